"""Evidence for API-ETAG: browsers on other origins may send and read the tags."""

from typing import Annotated, Any

from fastapi import FastAPI, Header
from httpx import ASGITransport, AsyncClient

from handbook.content.docs_tree import DOCS_DIR
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "api" / "etag.md"
ORIGIN = "https://shop.example"  # the test settings' allowed origin


async def test_cors_lets_a_browser_send_if_none_match_and_read_the_etag(
    client: AsyncClient,
) -> None:
    preflight = await client.options(
        "/orders/1",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    response = await client.get("/health/live", headers={"Origin": ORIGIN})

    assert preflight.status_code == 200
    assert response.status_code == 200
    assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    assert "`ETag` in `expose_headers`" in prose(PAGE)


async def test_a_str_header_parameter_gets_only_the_first_line_of_a_list() -> None:
    app = FastAPI()

    @app.get("/as-str")
    async def as_str(if_none_match: Annotated[str | None, Header()] = None) -> Any:
        return if_none_match

    @app.get("/as-list")
    async def as_list(
        if_none_match: Annotated[list[str] | None, Header()] = None,
    ) -> Any:
        return if_none_match

    lines = [("If-None-Match", '"v1"'), ("If-None-Match", '"v2"')]
    async with AsyncClient(transport=ASGITransport(app), base_url="http://shop") as api:
        as_text = (await api.get("/as-str", headers=lines)).json()
        as_lines = (await api.get("/as-list", headers=lines)).json()

    assert as_text == '"v1"'
    assert as_lines == ['"v1"', '"v2"']
    assert "a `str` `Header()` for it (FastAPI passes the first line only)" in prose(
        PAGE
    )
