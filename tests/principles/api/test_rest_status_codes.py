"""Evidence for API-REST: Endpoints name resources and answer with the status code that says what happened.

Each test reproduces a claim docs/principles/api/rest-status-codes.md makes,
against the real tool, library or service.
"""

import secrets

from pydantic import SecretStr

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.main import create_app
from tests.support.pages import prose

REST_PAGE = DOCS_DIR / "principles" / "api" / "rest-status-codes.md"


def _routes() -> set[tuple[str, str]]:
    settings = Settings(
        _env_file=None,
        database_url="postgresql://shop@db.internal:5432/shop",  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
        jwt_secret=SecretStr(secrets.token_urlsafe(32)),
    )
    openapi = create_app(settings).openapi()
    return {
        (method.upper(), path)
        for path, operations in openapi["paths"].items()
        for method in operations
    }


def test_the_service_has_no_delete_and_no_nested_orders_as_the_rest_page_says() -> None:
    routes = _routes()

    assert not [route for route in routes if route[0] == "DELETE"]
    assert ("POST", "/orders") in routes
    # Below a user there is nothing: no /users/{user_id}/orders.
    assert {path for _, path in routes if path.startswith("/users/{")} == {
        "/users/{user_id}"
    }
    page_text = prose(REST_PAGE)
    assert "the reference service has no `DELETE` endpoint" in page_text
    assert "`DELETE /users/me` is a 405" in page_text
    assert "instead of nesting orders as `/users/{id}/orders`" in page_text
