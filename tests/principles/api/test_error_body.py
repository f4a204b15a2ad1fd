"""Evidence for API-ERROR-BODY: Every error response has one body shape.

Each test reproduces a claim docs/principles/api/error-body.md makes,
against the real tool, library or service.
"""

import ast
import json
import logging
import os
import subprocess
import sys
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, Field

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.errors import ERROR_CODES
from tests.support.pages import prose
from throwaway.ports import free_port

API_PAGES = DOCS_DIR / "principles" / "api"


ERROR_BODY_PAGE = API_PAGES / "error-body.md"
LOG_CONFIG = REPO_ROOT / "snippets" / "log_config.json"
UVICORN = [sys.executable, "-m", "uvicorn"]


def test_every_operation_documents_4xx_and_5xx_as_error_response(
    service_openapi: dict[str, Any],
) -> None:
    operations = [
        (path, method, operation)
        for path, item in service_openapi["paths"].items()
        for method, operation in item.items()
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


REPORTS_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


async def answer_500(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "handled"}, status_code=500)


app.add_exception_handler(Exception, answer_500)


@app.get("/reports/daily")
async def daily_report() -> None:
    raise RuntimeError("boom")
"""


def _reports_app() -> FastAPI:
    namespace: dict[str, Any] = {}
    exec(REPORTS_APP, namespace)  # noqa: S102  # the module the server test runs
    app: FastAPI = namespace["app"]
    return app


async def test_starlette_reraises_what_an_exception_handler_answered_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = ASGITransport(app=_reports_app(), raise_app_exceptions=True)
    caplog.set_level(logging.DEBUG)

    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        with pytest.raises(RuntimeError, match="boom"):
            await client.get("/reports/daily")

    # The exception reached the server (here, the test client); Starlette
    # itself wrote no log record about it.
    assert caplog.records == []
    assert "Starlette answers with its response and then re-raises" in prose(
        ERROR_BODY_PAGE
    )


def test_uvicorn_logs_what_starlette_reraised(tmp_path: Path) -> None:
    (tmp_path / "reports.py").write_text(REPORTS_APP)
    port = free_port()
    server = subprocess.Popen(
        [*UVICORN, "reports:app", "--port", str(port), "--log-config", str(LOG_CONFIG)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = _get_when_up(f"http://127.0.0.1:{port}/reports/daily", server)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert response.status_code == 500
    assert response.json() == {"error": "handled"}  # the handler's answer
    [logged] = [
        line
        for line in map(json.loads, output.splitlines())
        if line["level"] == "ERROR"
    ]
    # The second record of the one error: uvicorn's, with the traceback.
    assert logged["logger"] == "uvicorn.error"
    assert logged["message"].strip() == "Exception in ASGI application"
    assert "RuntimeError: boom" in logged["exception"]
    assert "uvicorn logs it as `Exception in ASGI application`" in prose(
        ERROR_BODY_PAGE
    )


def _get_when_up(url: str, server: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "the server exited"
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.2)


async def test_a_fastapi_get_route_alone_answers_head_with_a_405() -> None:
    app = FastAPI()

    @app.get("/products")
    async def products() -> list[str]:
        return []

    async with AsyncClient(
        transport=ASGITransport(app=app), base_url="http://shop"
    ) as client:
        response = await client.head("/products")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert "FastAPI's `@router.get` declares GET alone, so `HEAD` was a 405" in prose(
        ERROR_BODY_PAGE
    )


def _app_at_fastapis_defaults() -> FastAPI:
    """No exception handlers of its own: FastAPI's error bodies as they come."""
    app = FastAPI()

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int) -> dict[str, int]:
        if order_id == 404:
            raise HTTPException(status_code=404, detail="Order not found")
        if order_id == 500:
            raise RuntimeError("the database said something")
        return {"id": order_id}

    return app


async def test_fastapis_defaults_give_a_client_a_body_shape_per_kind_of_error() -> None:
    transport = ASGITransport(
        app=_app_at_fastapis_defaults(), raise_app_exceptions=False
    )
    async with AsyncClient(transport=transport, base_url="http://shop.test") as client:
        invalid = await client.get("/orders/twelve")
        missing_order = await client.get("/orders/404")
        mistyped_url = await client.get("/order/1")
        unexpected = await client.get("/orders/500")

    assert invalid.status_code == 422
    assert isinstance(invalid.json()["detail"], list)  # a list of objects
    assert (missing_order.status_code, missing_order.json()) == (
        404,
        {"detail": "Order not found"},
    )
    assert (mistyped_url.status_code, mistyped_url.json()) == (
        404,
        {"detail": "Not Found"},
    )
    # Same status, same shape: only the message text tells them apart.
    assert unexpected.status_code == 500
    assert unexpected.headers["content-type"].startswith("text/plain")
    assert unexpected.text == "Internal Server Error"
    # None of them has a code a client could branch on.
    assert not any(
        "code" in response.text for response in (invalid, missing_order, mistyped_url)
    )


SHOP = REPO_ROOT / "snippets" / "shop"


def _modules_naming(name: str) -> set[str]:
    """The service's modules that use ``name`` (imports and uses, not text)."""
    found = set()
    for path in SHOP.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            named = (
                (isinstance(node, ast.Name) and node.id == name)
                or (isinstance(node, ast.Attribute) and node.attr == name)
                or (
                    isinstance(node, ast.ImportFrom)
                    and any(alias.name == name for alias in node.names)
                )
            )
            if named:
                found.add(path.relative_to(SHOP).as_posix())
    return found


def test_every_error_body_is_built_in_the_error_module() -> None:
    assert _modules_naming("JSONResponse") == {"core/errors.py"}
    # The other hits of the page's search: the body limit and the media-type
    # check raise what the error module's handler answers (the 413 is
    # checked in test_body_limit, the 415 in tests/service/test_app.py).
    assert _modules_naming("HTTPException") == {
        "core/errors.py",
        "core/media_type.py",
        "core/request_limits.py",
    }
    # Middleware that refuses a request itself asks the error module for
    # the body.
    assert _modules_naming("error_response") == {
        "core/errors.py",
        "core/cors.py",
        "core/request_limits.py",
    }
    page = prose(ERROR_BODY_PAGE)
    assert "the two hits are the body limit and the media-type check" in page


# --8<-- [start:default-errors]
class Signup(BaseModel):
    email: str
    password: str = Field(min_length=12)


async def test_fastapis_defaults_answer_errors_in_three_shapes() -> None:
    app = FastAPI()

    @app.post("/users")
    async def register(signup: Signup) -> dict[str, str]:
        return {"email": signup.email}

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int) -> dict[str, int]:
        raise HTTPException(status_code=404, detail=f"Order {order_id} not found")

    @app.get("/reports/daily")
    async def daily_report() -> dict[str, int]:
        raise RuntimeError("connection to db.internal refused")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    # --8<-- [start:lead-three-shapes]
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        signup = {"email": "ada@example.com", "password": "tea-for-two"}
        invalid = await client.post("/users", json=signup)
        missing = await client.get("/orders/42")
        unknown = await client.get("/ordres/42")
        crashed = await client.get("/reports/daily")

    assert invalid.status_code == 422  # detail: a list of objects...
    assert invalid.json()["detail"][0]["input"] == "tea-for-two"  # ...with the password
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "Order 42 not found"},
    )
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not Found"})
    assert (crashed.status_code, crashed.text) == (500, "Internal Server Error")
    assert crashed.headers["content-type"] == "text/plain; charset=utf-8"  # not JSON
    # --8<-- [end:lead-three-shapes]
    # --8<-- [end:default-errors]
    # The whole 422 body, not shown on the page for its length:
    assert invalid.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "password"],
                "msg": "String should have at least 12 characters",
                "input": "tea-for-two",
                "ctx": {"min_length": 12},
            }
        ]
    }
