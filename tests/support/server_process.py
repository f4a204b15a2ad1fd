"""Servers as real child processes: start one, wait until it answers, stop it.

Tests that need what only a real process shows (uvicorn's own parser and
signals, nginx, the image's command) start it with ``served``: its output
is read in a thread as it comes, so a wait never blocks on a pipe and every
deadline fires; a failure names the command and shows what it printed; and
the process runs in its own process group, which is killed on the way out,
with anything it started.

``Server`` and ``serving`` are the shop under uvicorn with given settings.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from handbook.content.docs_tree import REPO_ROOT
from shop.core.config import Settings
from throwaway.ports import free_port

STARTUP_TIMEOUT_SECONDS = 30
EXIT_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.1


def port_open(port: int) -> bool:
    """Something listens on ``port`` of 127.0.0.1."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def listening(server: "ServerProcess") -> bool:
    """Ready once it accepts connections on its port."""
    return port_open(server.port)


def answers(path: str, status: int | None = None) -> "Readiness":
    """Ready once ``GET path`` gets an answer; with ``status``, an answer
    with another status fails the wait at once, showing its body."""

    def ready(server: ServerProcess) -> bool:
        try:
            response = httpx.get(f"http://127.0.0.1:{server.port}{path}", timeout=2)
        except httpx.TransportError:
            return False
        assert status is None or response.status_code == status, response.text
        return True

    return ready


def printed(text: str) -> "Readiness":
    """Ready once it has printed a line containing ``text``."""

    def ready(server: ServerProcess) -> bool:
        return any(text in line for line in server.lines)

    return ready


def wait_until(
    process: "subprocess.Popen[Any]",
    ready: Callable[[], bool],
    *,
    seconds: float,
    what: str,
    output: Callable[[], str] = lambda: "",
) -> None:
    """Ask ``ready`` until it is true; fail if ``process`` exits first or
    ``seconds`` pass, naming its command, what it waited for and ``output``.

    ``seconds`` is a guard against hangs, not a target.
    """
    command = _command(process)
    deadline = time.monotonic() + seconds
    while not ready():
        status = process.poll()
        if status is not None:
            pytest.fail(
                f"{command} exited with status {status} before {what}:\n{output()}",
                pytrace=False,
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"{command}: not {what} within {seconds:g} s:\n{output()}",
                pytrace=False,
            )
        time.sleep(POLL_SECONDS)


def _command(process: "subprocess.Popen[Any]") -> str:
    args = process.args
    if isinstance(args, (str, bytes, os.PathLike)):
        return str(args)
    return " ".join(str(arg) for arg in args)


class ServerProcess:
    """A command serving on 127.0.0.1:``port``, and the lines it has printed.

    stdout and stderr are one stream, read by a thread into ``lines``.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        port: int,
        cwd: Path,
        env: Mapping[str, str],
    ) -> None:
        self.port = port
        self.process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Its own process group, so stop() also reaches any child it left.
            start_new_session=True,
        )
        self.command = _command(self.process)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        """What it has printed so far."""
        return "\n".join(self.lines)

    def wait_until(
        self,
        ready: "Readiness",
        seconds: float = STARTUP_TIMEOUT_SECONDS,
        what: str = "ready",
    ) -> None:
        """Until ``ready(self)``; fails if it exits first or ``seconds`` pass."""
        wait_until(
            self.process,
            lambda: ready(self),
            seconds=seconds,
            what=what,
            output=self.output,
        )

    def wait_for_line(self, text: str, seconds: float = EXIT_TIMEOUT_SECONDS) -> None:
        """Until it has printed a line containing ``text``."""
        self.wait_until(printed(text), seconds, what=f"printing {text!r}")

    def wait_for_exit(self, seconds: float = EXIT_TIMEOUT_SECONDS) -> int:
        """The exit status, once the process and its output have ended."""
        returncode = self.process.wait(timeout=seconds)
        self._reader.join(timeout=seconds)
        return returncode

    def stop(self) -> None:
        """Kill the process and anything it started, and release the pipe."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join()
        assert self.process.stdout is not None
        self.process.stdout.close()


# Whether a server is ready, asked again until it is.
Readiness = Callable[[ServerProcess], bool]


@contextlib.contextmanager
def served(
    argv: Sequence[str],
    *,
    port: int,
    cwd: Path,
    env: Mapping[str, str],
    ready: Readiness = listening,
    seconds: float = STARTUP_TIMEOUT_SECONDS,
) -> Iterator[ServerProcess]:
    """Run ``argv`` and wait until ``ready(server)``; always stop it after."""
    server = ServerProcess(argv, port=port, cwd=cwd, env=env)
    try:
        server.wait_until(ready, seconds)
        yield server
    finally:
        server.stop()


# --- the shop under uvicorn ----------------------------------------------------------

# A sign-in for an email nobody registered: it reads the database and
# writes nothing, and its body can be sent in two parts.
SIGN_IN_BODY = b"username=nobody%40example.com&password=not-registered"

# The server command; Server fills in a free port.
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "shop.core.main:create_app"]
UVICORN += ["--host", "127.0.0.1", "--port", "{port}"]


class Server(ServerProcess):
    """The shop as a real server process, as a container or ``task app`` runs it."""

    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        argv: list[str],
        extra_env: dict[str, str] | None = None,
    ) -> None:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": str(settings.database_url.get_secret_value()),
            "JWT_SECRET": settings.jwt_secret.get_secret_value(),
            "PORT": str(port),
            # Entrypoint scripts find uvicorn and uv the way a container would.
            "PATH": os.pathsep.join(
                [str(Path(sys.executable).parent), os.environ["PATH"]]
            ),
            "UV_PROJECT": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
        } | (extra_env or {})
        super().__init__(
            [arg.format(port=port) for arg in argv],
            port=port,
            cwd=workdir,  # no stray .env
            env=env,
        )

    def wait_until_healthy(self, probe: str = "/health/ready") -> None:
        """Until ``GET <probe>`` answers 200."""
        self.wait_until(answers(probe, 200), what="healthy")


@contextlib.contextmanager
def serving(
    settings: Settings,
    workdir: Path,
    argv: list[str],
    extra_env: dict[str, str] | None = None,
    *,
    probe: str = "/health/ready",
) -> Iterator[Server]:
    """Run ``argv``, wait until the shop answers ``probe`` with 200; always stop it.

    ``/health/live`` for a server readiness keeps out of traffic on purpose,
    such as one on a database the migrations never reached.
    """
    server = Server(settings, workdir, argv, extra_env)
    try:
        server.wait_until_healthy(probe)
        yield server
    finally:
        server.stop()
