"""A throwaway Redis server for the tests, from the local ``redis-server`` binary.

Never a fake: the pages claim how the service behaves with a real Redis,
including when that Redis stops. Without the binary the session fails and
says how to install it.
"""

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from throwaway.ports import free_port

NO_REDIS_MESSAGE = (
    "No redis-server binary for the tests: apt-get install redis-server "
    "(or put a Redis 7 redis-server on PATH)"
)


# How long a starting redis-server may take to answer PING.
START_TIMEOUT_SECONDS = 10.0


class NoRedisError(RuntimeError):
    """The redis-server binary is missing or the server did not start."""


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A running redis-server process and its URL."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self) -> None:
        """Stop the server (SIGTERM) and wait until it is gone."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start redis-server on a free port; yield it; stop it afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise NoRedisError(NO_REDIS_MESSAGE)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="shop-test-redis-") as workdir:
        args = [
            binary,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", workdir,
        ]  # fmt: skip
        process = subprocess.Popen(  # a fixed binary, our own arguments
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    # Killed first: reading the stderr of a server that still
                    # runs would wait for it to exit, and a hung one never does.
                    process.kill()
                    _, error = process.communicate(timeout=10)
                    raise NoRedisError(
                        f"redis-server did not answer PING within "
                        f"{START_TIMEOUT_SECONDS} s:\n{error.decode()}"
                    )
                time.sleep(0.02)
            server = RedisServer(process, f"redis://127.0.0.1:{port}/0")
            yield server
        finally:
            RedisServer(process, "").stop()
            if process.stderr:
                process.stderr.close()


def version() -> str:
    """``redis-server --version``'s version number, e.g. ``7.0.15``."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise NoRedisError(NO_REDIS_MESSAGE)
    output = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout
    return output.split("v=", 1)[1].split()[0]
