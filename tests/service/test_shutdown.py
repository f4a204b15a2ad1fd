"""Specification of shutdown: the real service under uvicorn, stopped by a signal.

Each test starts ``uvicorn --factory shop.core.main:create_app`` as a child process, the way a
container does, and signals it. The timeouts guard against hangs on a slow
machine; they are not speed targets.
"""

import contextlib
import json
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shop.core.config import Settings
from tests.support.server_process import (
    EXIT_TIMEOUT_SECONDS,
    SIGN_IN_BODY,
    UVICORN,
    Server,
    serving,
)


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    """The shop, run by uvicorn directly."""
    with serving(settings, tmp_path, UVICORN) as server:
        yield server


def start_slow_request(port: int) -> socket.socket:
    """Send a request's headers and half its body; return once the app awaits the rest.

    ``Expect: 100-continue`` makes uvicorn answer ``100 Continue`` when the
    app first asks for the body, so reading it proves the request is in flight.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=EXIT_TIMEOUT_SECONDS)
    sock.sendall(
        b"POST /auth/token HTTP/1.1\r\n"
        b"Host: shop.example\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n"
        b"Expect: 100-continue\r\n"
        b"\r\n" % len(SIGN_IN_BODY)
    )
    interim = b""
    while not interim.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1024)
        assert chunk, "the server closed the connection"
        interim += chunk
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    sock.sendall(SIGN_IN_BODY[:10])
    return sock


def read_to_end(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


# --8<-- [start:sigterm]
def test_sigterm_finishes_the_request_in_flight_then_runs_the_shutdown(
    server: Server,
) -> None:
    with start_slow_request(server.port) as in_flight:
        server.process.send_signal(signal.SIGTERM)
        server.wait_for_line("Waiting for connections to close")
        # The server has begun to shut down: new connections are refused...
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{server.port}/health/ready", timeout=10)
        # ...and now the rest of the body arrives.
        in_flight.sendall(SIGN_IN_BODY[10:])
        response = read_to_end(in_flight)

    # The request in flight was answered in full, database lookup included...
    assert response.startswith(b"HTTP/1.1 401 Unauthorized\r\n")
    assert b'"code":"unauthorized"' in response
    # ...then the lifespan's shutdown ran (and disposed of the pool).
    assert server.wait_for_exit() == -signal.SIGTERM
    log = "\n".join(server.lines)
    steps = [
        "Shutting down",
        "Waiting for connections to close",
        '"path": "/auth/token", "status": 401',
        "Waiting for application shutdown.",
        "Application shutdown complete.",
    ]
    positions = [log.index(step) for step in steps]
    assert positions == sorted(positions)
    # --8<-- [end:sigterm]


# --8<-- [start:sigkill]
def test_sigkill_cuts_the_request_in_flight_and_skips_the_shutdown(
    server: Server,
) -> None:
    with start_slow_request(server.port) as in_flight:
        server.process.send_signal(signal.SIGKILL)
        assert server.wait_for_exit() == -signal.SIGKILL
        # Sending the rest of the body may fail already; nobody reads it anyway.
        with contextlib.suppress(OSError):
            in_flight.sendall(SIGN_IN_BODY[10:])
        response = read_to_end(in_flight)

    # The client gets no answer at all, and nothing ran on the way out.
    assert response == b""
    log = "\n".join(server.lines)
    assert "Shutting down" not in log
    assert "Application shutdown" not in log
    # --8<-- [end:sigkill]


def write_entrypoint(workdir: Path, script: str) -> list[str]:
    """Save ``script`` as the container's entrypoint; the command that runs it."""
    path = workdir / "entrypoint.sh"
    path.write_text(script)
    return ["sh", str(path)]


# --8<-- [start:entrypoint-without-exec]
ENTRYPOINT_WITHOUT_EXEC = """\
#!/bin/sh
set -eu
uvicorn --factory shop.core.main:create_app --host 127.0.0.1 --port "$PORT"
"""


def test_a_shell_entrypoint_does_not_pass_sigterm_on_to_the_server(
    settings: Settings, tmp_path: Path
) -> None:
    argv = write_entrypoint(tmp_path, ENTRYPOINT_WITHOUT_EXEC)
    with serving(settings, tmp_path, argv) as server:
        server.process.send_signal(signal.SIGTERM)

        # The shell got the signal; the server did not, and carries on.
        assert server.process.wait(timeout=EXIT_TIMEOUT_SECONDS) == -signal.SIGTERM
        health = httpx.get(f"http://127.0.0.1:{server.port}/health/ready", timeout=10)
        assert health.status_code == 200
        assert not any("Shutting down" in line for line in server.lines)
    # --8<-- [end:entrypoint-without-exec]


# --8<-- [start:entrypoint-with-exec]
ENTRYPOINT_WITH_EXEC = """\
#!/bin/sh
set -eu
exec {runner} --factory shop.core.main:create_app --host 127.0.0.1 \\
  --port "$PORT" --timeout-graceful-shutdown 8
"""


@pytest.mark.parametrize(
    ("runner", "exit_status"),
    [
        # uvicorn re-raises the signal once it has shut down: "killed by SIGTERM".
        ("uvicorn", -signal.SIGTERM),
        # uv passes the signal on and exits 128 + 15, as a shell reports it.
        ("uv run --no-sync uvicorn", 128 + signal.SIGTERM),
    ],
)
def test_an_entrypoint_that_execs_the_server_passes_sigterm_to_it(
    settings: Settings, tmp_path: Path, runner: str, exit_status: int
) -> None:
    argv = write_entrypoint(tmp_path, ENTRYPOINT_WITH_EXEC.format(runner=runner))
    with serving(settings, tmp_path, argv) as server:
        server.process.send_signal(signal.SIGTERM)

        assert server.wait_for_exit() == exit_status
        assert any("Application shutdown complete." in line for line in server.lines)
    # --8<-- [end:entrypoint-with-exec]


def test_a_request_cut_by_the_graceful_timeout_gets_a_503_in_the_error_body(
    settings: Settings, tmp_path: Path
) -> None:
    argv = [*UVICORN, "--timeout-graceful-shutdown", "1"]
    with serving(settings, tmp_path, argv) as server:
        # Half the body, and the rest never comes: the request is still
        # reading it when the graceful timeout runs out.
        with start_slow_request(server.port) as in_flight:
            server.process.send_signal(signal.SIGTERM)
            response = read_to_end(in_flight)
        assert server.wait_for_exit() == -signal.SIGTERM

    head, _, body = response.partition(b"\r\n\r\n")
    headers = head.decode().lower().splitlines()
    # The common error body, with the headers every response carries...
    assert headers[0] == "http/1.1 503 service unavailable"
    assert json.loads(body)["error"]["code"] == "service_unavailable"
    assert "retry-after: 1" in headers
    assert "connection: close" in headers
    assert any(line.startswith("x-request-id: ") for line in headers)
    # ...logged as one warning and a 503, not as a crash of the app.
    log = "\n".join(server.lines)
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in log
    assert "Exception in ASGI application" not in log
    assert "Traceback" not in log
    assert "request cancelled before its response started" in log
    assert '"path": "/auth/token", "status": 503' in log
