"""The shop as a real server process: uvicorn in a child process, as in production.

Tests start it the way a container or ``task app`` does, talk to it over
127.0.0.1, read what it logged, and always kill it afterwards.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from handbook.content.docs_tree import REPO_ROOT
from shop.core.config import Settings
from throwaway.ports import free_port

STARTUP_TIMEOUT_SECONDS = 30
EXIT_TIMEOUT_SECONDS = 30

# A sign-in for an email nobody registered: it reads the database and
# writes nothing, and its body can be sent in two parts.
SIGN_IN_BODY = b"username=nobody%40example.com&password=not-registered"

# The server command; Server fills in a free port.
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "shop.core.main:create_app"]
UVICORN += ["--host", "127.0.0.1", "--port", "{port}"]


class Server:
    """A uvicorn process serving the shop, and the lines it has logged so far."""

    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        argv: list[str],
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": str(settings.database_url.get_secret_value()),
            "JWT_SECRET": settings.jwt_secret.get_secret_value(),
            "PORT": str(self.port),
            # Entrypoint scripts find uvicorn and uv the way a container would.
            "PATH": os.pathsep.join(
                [str(Path(sys.executable).parent), os.environ["PATH"]]
            ),
            "UV_PROJECT": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
        } | (extra_env or {})
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
        """Poll ``GET /health/ready`` until it answers 200."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "\n".join(self.lines)
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{self.port}/health/ready", timeout=2
                )
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
def serving(
    settings: Settings,
    workdir: Path,
    argv: list[str],
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Run ``argv``, wait until the shop answers ``/health/ready``; always stop it."""
    server = Server(settings, workdir, argv, extra_env)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()
