"""Evidence for API-ETAG: browsers on other origins may send and read the tags."""

from httpx import AsyncClient

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
