"""Evidence for OPS-REQUEST-ID: every request has an ID, echoed in the response
and present in every JSON log line written while it is handled.

Each test builds its app after capsys starts, so the app's log handler
writes to the capture.
"""

import json
import logging
import re
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.core.request_id import request_id_var
from tests.support.failing_routes import add_export_that_fails_mid_stream
from tests.support.logs import json_log_lines
from tests.support.server_process import serving
from tests.support.shop_fixtures import build_app, client_for


# --8<-- [start:request-id-in-logs]
async def test_every_log_line_of_a_request_carries_its_request_id(
    capsys: pytest.CaptureFixture[str], settings: Settings, session: AsyncSession
) -> None:
    app = build_app(settings, session)

    @app.get("/checkout-audit")
    async def checkout_audit() -> dict[str, str]:
        logging.getLogger("shop.checkout").warning("stock check skipped")
        return {"status": "ok"}

    async with client_for(app) as client:
        response = await client.get(
            "/checkout-audit", headers={"X-Request-ID": "7f3c9a2e-checkout"}
        )

    assert response.headers["X-Request-ID"] == "7f3c9a2e-checkout"
    lines = json_log_lines(capsys.readouterr().out)
    assert [line["message"] for line in lines] == ["stock check skipped", "request"]
    assert {line.get("request_id") for line in lines} == {"7f3c9a2e-checkout"}
    # --8<-- [end:request-id-in-logs]


# --8<-- [start:request-id-generated]
@pytest.mark.parametrize(
    "sent",
    [None, "", 'checkout"\n{"level": "INFO"}', "x" * 129, "ünïcode"],
    ids=["absent", "empty", "log-injection", "too-long", "non-ascii"],
)
async def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    session: AsyncSession,
    sent: str | None,
) -> None:
    headers: dict[bytes, bytes] = (
        {} if sent is None else {b"X-Request-ID": sent.encode()}
    )

    async with client_for(build_app(settings, session)) as client:
        response = await client.get("/health/live", headers=headers)

    generated = response.headers["X-Request-ID"]
    assert generated != sent  # replaced, not echoed
    assert re.fullmatch(r"[0-9a-f]{32}", generated), generated
    assert uuid.UUID(hex=generated).version == 4
    (access,) = json_log_lines(capsys.readouterr().out)
    assert access["request_id"] == generated
    # --8<-- [end:request-id-generated]


async def test_each_request_gets_its_own_id(
    settings: Settings, session: AsyncSession
) -> None:
    async with client_for(build_app(settings, session)) as client:
        first = await client.get("/health/live")
        second = await client.get("/health/live")

    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_error_responses_carry_the_request_id_too(
    settings: Settings, session: AsyncSession
) -> None:
    async with client_for(build_app(settings, session)) as client:
        response = await client.get(
            "/no-such-page", headers={"X-Request-ID": "abc-123"}
        )

    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "abc-123"


def test_lines_logged_outside_a_request_have_no_request_id(
    capsys: pytest.CaptureFixture[str], settings: Settings, session: AsyncSession
) -> None:
    build_app(settings, session)  # configures the log handler and its filter
    logging.getLogger("shop").warning("nightly report sent")

    (line,) = json_log_lines(capsys.readouterr().out)
    assert request_id_var.get() is None
    assert "request_id" not in line


async def test_an_exception_that_left_a_request_gives_its_id_to_a_later_log_line(
    capsys: pytest.CaptureFixture[str], settings: Settings, session: AsyncSession
) -> None:
    """In process, what the server test below shows under uvicorn: the line
    that logs an escaped exception, after the request's context is gone,
    still names the request."""
    app = build_app(settings, session)
    add_export_that_fails_mid_stream(app)

    async with client_for(app) as client:
        with pytest.raises(RuntimeError) as escaped:
            await client.get("/export", headers={"X-Request-ID": "export-7f3c"})
    capsys.readouterr()  # the access line of the cut request
    assert request_id_var.get() is None
    logging.getLogger("shop").error("export failed", exc_info=escaped.value)

    (line,) = json_log_lines(capsys.readouterr().out)
    assert line["request_id"] == "export-7f3c"


# The shop with one more route, whose CSV export fails after its first row:
# the status line is sent, so only the server can end the response, by
# cutting the connection, and it logs the traceback itself.
_FAILING_EXPORT_APP = """
from fastapi.responses import StreamingResponse

from shop.core.main import create_app as create_shop


def create_app():
    app = create_shop()

    async def rows():
        yield b"id,total\\n"
        raise RuntimeError("export source vanished")

    async def export():
        return StreamingResponse(rows(), media_type="text/csv")

    app.add_api_route("/export", export)
    return app
"""


def test_the_servers_traceback_of_an_error_after_the_response_started_has_the_id(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "failing_export.py").write_text(_FAILING_EXPORT_APP)
    argv = [sys.executable, "-m", "uvicorn", "--factory"]
    argv += ["failing_export:create_app", "--host", "127.0.0.1", "--port", "{port}"]

    with serving(settings, tmp_path, argv) as server:
        url = f"http://127.0.0.1:{server.port}/export"
        headers = {"X-Request-ID": "7f3c9a2e-export"}
        with pytest.raises(httpx.RemoteProtocolError):  # cut off after one row
            httpx.get(url, headers=headers)
        server.wait_for_line("Exception in ASGI application")
        lines = list(server.lines)

    (traceback,) = [
        entry
        for entry in map(json.loads, lines)
        if entry["message"].startswith("Exception in ASGI application")
    ]
    # Logged by uvicorn after the app returned, outside the request's context.
    assert traceback["logger"] == "uvicorn.error"
    assert "export source vanished" in traceback["exception"]
    assert traceback.get("request_id") == "7f3c9a2e-export"
