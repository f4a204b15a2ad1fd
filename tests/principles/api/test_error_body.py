"""Evidence for API-ERROR-BODY: Every error response has one body shape.

Each test reproduces a claim docs/principles/api/error-body.md makes,
against the real tool, library or service.
"""

import secrets
from typing import Any

from claims_support import prose

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.main import create_app

API_PAGES = DOCS_DIR / "principles" / "api"


ERROR_BODY_PAGE = API_PAGES / "error-body.md"


def _openapi() -> dict[str, Any]:
    settings = Settings(
        database_url="postgresql://shop@db.internal:5432/shop",
        jwt_secret=secrets.token_urlsafe(32),
    )
    # Building the app and its schema opens no connection.
    return create_app(settings).openapi()


def test_every_operation_documents_4xx_and_5xx_as_error_response() -> None:
    operations = [
        (path, method, operation)
        for path, item in _openapi()["paths"].items()
        for method, operation in item.items()
        if path != "/health"
    ]
    assert operations
    for path, method, operation in operations:
        for status in ("4XX", "5XX"):
            schema = operation["responses"][status]["content"]["application/json"]
            assert schema["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}, (
                f"{method.upper()} {path}: {status} is not documented as ErrorResponse"
            )
    assert (
        "the OpenAPI document describes every 4XX and 5XX response with `ErrorResponse`"
        in prose(ERROR_BODY_PAGE)
    )
