"""Evidence for OPS-JSON-LOGS: Logs are one JSON object per line.

Each test reproduces a claim docs/principles/operations/json-logs.md makes,
against the real tool, library or service.
"""

import asyncio
import contextvars
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from httpx import ASGITransport, AsyncClient
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Receive, Scope, Send

import shop.core.logging as logging_module
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.logging import JsonFormatter, configure_logging
from shop.core.metrics import HttpMetrics
from shop.core.observe import ObserveMiddleware
from tests.support.pages import prose
from tests.support.server_process import printed, served
from tests.support.shop_fixtures import build_app, client_for
from throwaway.ports import free_port

JSON_LOGS_PAGE = DOCS_DIR / "principles" / "operations" / "json-logs.md"
LOG_CONFIG = REPO_ROOT / "snippets" / "log_config.json"
# python-multipart logs a warning for a body that is not the multipart it claims.
CLAIMS_MULTIPART = {"Content-Type": "multipart/form-data; boundary=X"}


def _error_record() -> logging.LogRecord:
    try:
        int("twelve")
    except ValueError:
        return logging.LogRecord(
            "shop.orders",
            logging.ERROR,
            __file__,
            1,
            "Rejected quantity",
            (),
            sys.exc_info(),
        )
    raise AssertionError("int('twelve') did not raise")


def test_a_traceback_spans_lines_in_plain_text_and_not_in_json_as_the_page_says() -> (
    None
):
    # Outside pytest-examples on purpose: its print mock swallows the
    # print(file=...) calls that logging uses to write a traceback.
    plain = logging.Formatter("%(levelname)s %(message)s").format(_error_record())
    json_line = JsonFormatter().format(_error_record())

    assert plain.splitlines()[:2] == [
        "ERROR Rejected quantity",
        "Traceback (most recent call last):",
    ]
    assert len(plain.splitlines()) > 2
    assert len(json_line.splitlines()) == 1
    assert "Traceback (most recent call last):" in json.loads(json_line)["exception"]
    page_text = prose(JSON_LOGS_PAGE)
    assert "`logging.Formatter` writes it below the message, over several lines" in (
        page_text
    )
    assert "`JsonFormatter` keeps it in the `exception` field" in page_text


@pytest.mark.parametrize(
    "extra", [[], ["--log-config", str(LOG_CONFIG)]], ids=["plain", "log-config"]
)
def test_uvicorns_own_lines_are_json_too(tmp_path: Path, extra: list[str]) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://shop@127.0.0.1:1/shop",  # never connected
        "JWT_SECRET": secrets.token_urlsafe(48),
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "uvicorn", "--factory", "shop.core.main:create_app",
            "--port", str(port), *extra]  # fmt: skip
    with served(
        argv,
        port=port,
        cwd=tmp_path,  # no stray .env
        env=env,
        # Uvicorn binds its port after the app's startup, and says so.
        ready=printed("Uvicorn running on"),
    ) as server:
        # A library's warning, logged while a request is handled.
        rejected = httpx.post(
            f"http://127.0.0.1:{port}/auth/token",
            headers=CLAIMS_MULTIPART,
            content=b"garbage",
        )
        server.process.terminate()
        server.wait_for_exit()
    lines = [line for line in server.lines if line.strip()]

    assert [line for line in lines if not line.startswith("{")] == []  # no plain text
    records = [json.loads(line) for line in lines]
    messages = [record["message"] for record in records]
    assert messages[0].startswith("Started server process")
    assert "Application startup complete." in messages
    assert {record["logger"] for record in records} <= {
        "uvicorn.error",
        "shop",
        "shop.access",
        "python_multipart.multipart",
    }
    [library] = [r for r in records if r["logger"] == "python_multipart.multipart"]
    assert library["request_id"] == rejected.headers["X-Request-ID"]
    assert 'parses every line it prints, from "Started server process" on' in prose(
        JSON_LOGS_PAGE
    )


# --- other libraries' records -------------------------------------------------------


async def test_a_librarys_warning_is_one_json_line_with_the_request_id(
    capsys: pytest.CaptureFixture[str], settings: Settings, session: AsyncSession
) -> None:
    app = build_app(settings, session)
    library = logging.getLogger("python_multipart.multipart")
    library.setLevel(logging.INFO)  # even a library's own INFO is held back
    try:
        library.info("parsing a form")
        async with client_for(app) as client:
            response = await client.post(
                "/auth/token", headers=CLAIMS_MULTIPART, content=b"garbage"
            )
    finally:
        library.setLevel(logging.NOTSET)

    assert response.status_code == 400
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    others = [line for line in lines if line["logger"] != "shop.access"]
    assert [line["logger"] for line in others] == ["python_multipart.multipart"]
    warning = others[0]
    assert warning["level"] == "WARNING"
    assert warning["message"] == "Expected boundary character 45, got 103 at index 2"
    assert warning["request_id"] == response.headers["X-Request-ID"]


def test_configuring_twice_leaves_one_json_handler_on_the_root_and_others_alone() -> (
    None
):
    root = logging.getLogger()
    hosts = logging.NullHandler()  # a handler the host put there
    root.addHandler(hosts)
    try:
        configure_logging("INFO")
        configure_logging("INFO")

        ours = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(ours) == 1
        assert ours[0].level == logging.WARNING
        assert hosts in root.handlers
    finally:
        root.removeHandler(hosts)


def test_pythons_last_resort_prints_warnings_and_above_as_plain_text() -> None:
    record = logging.LogRecord(
        "python_multipart.multipart", logging.WARNING, __file__, 1, "odd body", (), None
    )

    assert logging.lastResort is not None
    assert logging.lastResort.level == logging.WARNING
    assert logging.lastResort.format(record) == "odd body"  # no JSON, no fields
    assert "a JSON handler at WARNING, the level the last resort prints" in prose(
        JSON_LOGS_PAGE
    )


# --- why the access log is a plain ASGI middleware ----------------------------------

STREAM_PAUSE_SECONDS = 0.3
current_customer: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_customer", default=None
)


def _export_app() -> FastAPI:
    """An app with a streaming CSV export that pauses between its rows."""
    app = FastAPI()

    async def rows() -> AsyncIterator[bytes]:
        yield b"order_id,total_cents\n"
        await asyncio.sleep(STREAM_PAUSE_SECONDS)
        yield b"1,2599\n"

    @app.get("/orders/export")
    async def export() -> StreamingResponse:
        current_customer.set("alice")
        return StreamingResponse(rows(), media_type="text/csv")

    return app


async def test_a_plain_asgi_middleware_times_the_whole_stream_in_the_requests_task(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: dict[str, tuple[float, str | None]] = {}

    decorated = _export_app()

    @decorated.middleware("http")
    async def time_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        seen["@app.middleware"] = (
            time.perf_counter() - started,
            current_customer.get(),
        )
        return response

    observed = ObserveMiddleware(_export_app())
    metrics = HttpMetrics(CollectorRegistry())

    async def plain(scope: Scope, receive: Receive, send: Send) -> None:
        # The metrics the lifespan would have put in the request's state.
        await observed({**scope, "state": {"metrics": metrics}}, receive, send)

    configure_logging("INFO")
    for app in (decorated, plain):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://shop") as client:
            assert (await client.get("/orders/export")).status_code == 200
    [access] = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if '"shop.access"' in line
    ]

    decorated_seconds, decorated_customer = seen["@app.middleware"]
    # call_next returns when the response starts: the paused stream is
    # not in its time (with it, the time could not be under the pause). The
    # plain middleware waits for the last byte.
    assert decorated_seconds < STREAM_PAUSE_SECONDS
    assert access["duration_ms"] >= STREAM_PAUSE_SECONDS * 1000
    # call_next runs the endpoint in another task, so a context variable the
    # endpoint set is gone by the time the decorated middleware looks.
    assert decorated_customer is None
    assert "A plain ASGI middleware rather than" in (logging_module.__doc__ or "") + (
        ObserveMiddleware.__doc__ or ""
    )


# --- what the formatter leaves out ---------------------------------------------------


def test_uvicorns_ansi_colour_copy_of_the_message_is_not_logged() -> None:
    # uvicorn logs "Started server process [%d]" with this extra field.
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        "Started server process [%d]",
        (7,),
        None,
    )
    record.color_message = "Started server process [\x1b[36m%d\x1b[0m]"

    entry = json.loads(JsonFormatter().format(record))

    assert "color_message" not in entry
    assert entry["message"] == "Started server process [7]"


def _unique_violation() -> asyncpg.UniqueViolationError:
    error = asyncpg.UniqueViolationError(
        'duplicate key value violates unique constraint "uq_users_email"'
    )
    error.detail = "Key (email)=(ada@example.com) already exists."
    return error


def test_a_database_error_inside_an_exception_group_is_redacted_too() -> None:
    try:
        raise ExceptionGroup("tasks failed", [_unique_violation()])
    except ExceptionGroup:
        record = logging.LogRecord(
            "shop", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )

    exception = json.loads(JsonFormatter().format(record))["exception"]

    assert 'violates unique constraint "uq_users_email"' in exception
    assert "ada@example.com" not in exception


def test_exc_info_true_outside_an_except_block_is_still_one_line() -> None:
    record = logging.LogRecord(
        "shop", logging.ERROR, __file__, 1, "no exception", (), (None, None, None)
    )

    assert json.loads(JsonFormatter().format(record))["exception"] == "NoneType: None"


def test_a_data_error_without_a_cause_still_loses_its_value() -> None:
    try:
        raise asyncpg.DataError(
            "invalid input for query argument $1: 'hunter2-hunter2' (not a number)"
        )
    except asyncpg.DataError:
        record = logging.LogRecord(
            "shop", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )

    exception = json.loads(JsonFormatter().format(record))["exception"]

    assert exception.endswith(
        "DataError: invalid input for query argument $1: [value withheld]"
    )
