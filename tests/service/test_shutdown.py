"""Specification of shutdown: the real service under uvicorn, stopped by a signal.

Each test starts ``uvicorn shop.core.main:app`` as a child process, the way a
container does, and signals it. The timeouts guard against hangs on a slow
machine; they are not speed targets.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from shop_fixtures import REPO_ROOT

from shop.core.config import Settings

STARTUP_TIMEOUT_SECONDS = 30
EXIT_TIMEOUT_SECONDS = 30

# A sign-in for an email nobody registered: it reads the database and
# writes nothing, and its body can be sent in two parts.
SIGN_IN_BODY = b"username=nobody%40example.com&password=not-registered"

# The server command; Server fills in a free port.
UVICORN = [sys.executable, "-m", "uvicorn", "shop.core.main:app"]
UVICORN += ["--host", "127.0.0.1", "--port", "{port}"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A uvicorn process serving the shop, and the lines it has logged so far."""

    def __init__(self, settings: Settings, workdir: Path, argv: list[str]) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": str(settings.database_url),
            "JWT_SECRET": settings.jwt_secret.get_secret_value(),
            "PORT": str(self.port),
            # Entrypoint scripts find uvicorn and uv the way a container would.
            "PATH": os.pathsep.join(
                [str(Path(sys.executable).parent), os.environ["PATH"]]
            ),
            "UV_PROJECT": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            [arg.format(port=self.port) for arg in argv],
            cwd=workdir,  # no stray .env
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Its own process group, so stop() also reaches any child it left.
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_until_healthy(self) -> None:
        """Poll ``GET /health`` until it answers 200."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "\n".join(self.lines)
            try:
                response = httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            assert response.status_code == 200, response.text
            return
        pytest.fail("the server did not become healthy:\n" + "\n".join(self.lines))

    def wait_for_line(self, text: str) -> None:
        """Wait until the server has logged a line containing ``text``."""
        deadline = time.monotonic() + EXIT_TIMEOUT_SECONDS
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.05)

    def wait_for_exit(self) -> int:
        """The exit status, once the process and its output have ended."""
        returncode = self.process.wait(timeout=EXIT_TIMEOUT_SECONDS)
        self._reader.join(timeout=EXIT_TIMEOUT_SECONDS)
        return returncode

    def stop(self) -> None:
        """Kill the process and anything it started, and release the pipe."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join()
        assert self.process.stdout is not None
        self.process.stdout.close()


@contextlib.contextmanager
def serving(settings: Settings, workdir: Path, argv: list[str]) -> Iterator[Server]:
    """Run ``argv``, wait until the shop answers ``/health``; always stop it."""
    server = Server(settings, workdir, argv)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()


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
            httpx.get(f"http://127.0.0.1:{server.port}/health", timeout=10)
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
uvicorn shop.core.main:app --host 127.0.0.1 --port "$PORT"
"""


def test_a_shell_entrypoint_does_not_pass_sigterm_on_to_the_server(
    settings: Settings, tmp_path: Path
) -> None:
    argv = write_entrypoint(tmp_path, ENTRYPOINT_WITHOUT_EXEC)
    with serving(settings, tmp_path, argv) as server:
        server.process.send_signal(signal.SIGTERM)

        # The shell got the signal; the server did not, and carries on.
        assert server.process.wait(timeout=EXIT_TIMEOUT_SECONDS) == -signal.SIGTERM
        health = httpx.get(f"http://127.0.0.1:{server.port}/health", timeout=10)
        assert health.status_code == 200
        assert not any("Shutting down" in line for line in server.lines)
    # --8<-- [end:entrypoint-without-exec]


# --8<-- [start:entrypoint-with-exec]
ENTRYPOINT_WITH_EXEC = """\
#!/bin/sh
set -eu
exec {runner} shop.core.main:app --host 127.0.0.1 --port "$PORT"
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
        assert "INFO:     Application shutdown complete." in server.lines
    # --8<-- [end:entrypoint-with-exec]
