"""Evidence for API-ERROR-BODY: Every error response has one body shape.

Each test reproduces a claim docs/principles/api/error-body.md makes,
against the real tool, library or service.
"""

import secrets
import sys
from http import HTTPStatus
from typing import Any

import pytest
from claims_support import prose
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from httpx import ASGITransport, AsyncClient

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.errors import ERROR_CODES
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
            documented = operation["responses"].get(status, {})
            schema = documented.get("content", {}).get("application/json", {})
            assert schema.get("schema") == {
                "$ref": "#/components/schemas/ErrorResponse"
            }, f"{method.upper()} {path}: {status} is not documented as ErrorResponse"
    assert (
        "the OpenAPI document describes every 4XX and 5XX response with `ErrorResponse`"
        in prose(ERROR_BODY_PAGE)
    )


def test_python_313_renamed_the_phrases_the_codes_no_longer_come_from() -> None:
    assert sys.version_info >= (3, 13)  # .python-version; the phrases below are 3.13's
    renamed = {
        413: "Content Too Large",
        414: "URI Too Long",
        416: "Range Not Satisfiable",
        422: "Unprocessable Content",
    }
    assert {status: HTTPStatus(status).phrase for status in renamed} == renamed
    # 3.12 said "Unprocessable Entity"; the table keeps one code whatever the phrase.
    assert ERROR_CODES[422] == "validation_error"
    assert ERROR_CODES[413] == "content_too_large"
    assert "renamed the phrases of 413, 414, 416 and 422 (422 became" in prose(
        ERROR_BODY_PAGE
    )


async def test_starlette_reraises_what_an_exception_handler_answered() -> None:
    app = FastAPI()

    handled: list[str] = []

    async def answer_500(_: Request, exc: Exception) -> JSONResponse:
        handled.append(str(exc))
        return JSONResponse({"error": "handled"}, status_code=500)

    app.add_exception_handler(Exception, answer_500)

    @app.get("/reports/daily")
    async def daily_report() -> None:
        raise RuntimeError("boom")

    transport = ASGITransport(app=app, raise_app_exceptions=True)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        with pytest.raises(RuntimeError, match="boom"):
            await client.get("/reports/daily")

    # The handler answered, and the exception still reached the server.
    assert handled == ["boom"]
    assert "Starlette logs and re-raises what an `Exception` handler answered" in (
        prose(ERROR_BODY_PAGE)
    )
