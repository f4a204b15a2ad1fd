"""Evidence for SEC-CORS: CORS allows exactly the configured origins.

Each test reproduces a claim docs/principles/security/cors.md makes,
against the real tool, library or service.
"""

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError
from pydantic_settings import SettingsError
from starlette.middleware.cors import CORSMiddleware

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.cors import JsonCORSMiddleware
from shop.core.main import create_app
from tests.support.pages import prose
from tests.support.shop_fixtures import lifespan_client, unconnected_settings

CORS_PAGE = DOCS_DIR / "principles" / "security" / "cors.md"


SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"


async def test_the_services_default_lets_no_browser_origin_in() -> None:
    settings = unconnected_settings()
    app = create_app(settings)  # connects to nothing until start-up

    async with lifespan_client(app) as client:
        preflight = await client.options(
            "/orders",
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "GET",
            },
        )

    assert settings.cors_origins == ()
    assert "access-control-allow-origin" not in preflight.headers
    assert "an empty list, the default, lets no browser origin in" in prose(CORS_PAGE)


def test_a_comma_separated_cors_origins_stops_start_up_naming_the_list_to_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = {
        "DATABASE_URL": "postgresql://localhost/shop",
        "JWT_SECRET": "s" * 40,
        "CORS_ORIGINS": "https://shop.example,https://admin.shop.example",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    # pydantic-settings' own refusal, a SettingsError, names no fix.
    with pytest.raises((ValidationError, SettingsError)) as refused:
        Settings(_env_file=None)

    assert isinstance(refused.value, ValidationError), refused.value
    (error,) = refused.value.errors()
    message = error["msg"].removeprefix("Value error, ")
    assert message in " ".join(prose(CORS_PAGE).split()).replace("` `", " ")
    assert "marked `NoDecode`" in prose(CORS_PAGE)


def test_the_source_document_says_only_configure_appropriately_about_cors() -> None:
    mentions = [
        line.strip()
        for line in SOURCE_DOCUMENT.read_text().splitlines()
        if "cors" in line.lower()
    ]

    assert mentions == ["5. **CORS** - Configure appropriately for your frontend"]
    assert 'says only "Configure appropriately for your frontend"' in prose(CORS_PAGE)


def test_the_json_refusal_wraps_starlettes_middleware_instead_of_subclassing_it() -> (
    None
):
    assert not issubclass(JsonCORSMiddleware, CORSMiddleware)
    assert "preflight_response" not in vars(JsonCORSMiddleware)
    assert (
        "rather than subclassing it and overriding its `preflight_response`"
        in prose(CORS_PAGE)
    )


# --8<-- [start:wildcard-credentials]
# --8<-- [start:lead-wildcard-credentials]
open_app = FastAPI()
open_app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@open_app.get("/users/me")
async def read_me() -> dict[str, str]:
    return {"email": "alice@example.com"}
    # --8<-- [end:lead-wildcard-credentials]


async def test_a_wildcard_with_credentials_grants_any_origin_the_users_data() -> None:
    transport = ASGITransport(app=open_app)
    stranger = {"Origin": "https://evil.example"}
    async with AsyncClient(transport=transport, base_url="https://api.test") as client:
        preflight = await client.options(
            "/users/me", headers={**stranger, "Access-Control-Request-Method": "GET"}
        )
        response = await client.get("/users/me", headers=stranger)

    for answer in (preflight, response):
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "https://evil.example"
        assert answer.headers["access-control-allow-credentials"] == "true"
    # --8<-- [end:wildcard-credentials]


async def test_a_header_left_out_of_the_lists_is_refused_or_hidden_from_scripts() -> (
    None
):
    app = FastAPI()

    @app.get("/orders")
    async def orders() -> dict[str, str]:
        return {}

    cors = JsonCORSMiddleware(
        app,
        allow_origins=["https://shop.example"],
        allow_methods=["GET"],
        allow_headers=["Authorization"],
        expose_headers=["ETag"],
    )
    transport = ASGITransport(app=cors)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        preflight = await client.options(
            "/orders",
            headers={
                "Origin": "https://shop.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "x-request-id",
            },
        )
        answer = await client.get("/orders", headers={"Origin": "https://shop.example"})

    assert preflight.status_code == 400
    assert preflight.json()["error"]["code"] == "cors_rejected"
    assert answer.headers["access-control-expose-headers"] == "ETag"
    assert "is refused with `cors_rejected`; a response header left out" in prose(
        CORS_PAGE
    )
