"""Servers that stall a client at each step of a conversation, on loopback.

A client's timeouts are only tested by a server that makes it wait: one
whose connect never completes, and one that accepts and never replies.
Each yields a ``redis://`` URL, the only kind of client pointed at them;
``each_stall`` runs a test against both, and ``REDIS_PY_DEFAULT_TIMEOUT`` is
what a client without timeouts of its own would wait instead.
"""

import inspect
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

import pytest
from redis.asyncio import Redis

StalledServer = Callable[[], AbstractContextManager[str]]


@contextmanager
def server_that_never_replies() -> Iterator[str]:
    """Connects at once (the kernel completes the handshake) and never reads."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        yield _redis_url(silent)


@contextmanager
def server_that_never_accepts() -> Iterator[str]:
    """Its accept queue is full, so Linux drops a new connect's SYN and the
    connect waits in SYN-SENT until the client gives up."""
    with ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # a queue of one, never accepted from
        # Connections that complete fill the queue; later ones hang.
        for _ in range(3):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
        _assert_a_connect_hangs(listener.getsockname())
        yield _redis_url(listener)


def _assert_a_connect_hangs(address: tuple[str, int]) -> None:
    # Without this, a kernel that queued more would make every test of a
    # connect timeout pass for the wrong reason.
    with socket.socket() as probe:
        probe.settimeout(0.3)
        try:
            probe.connect(address)
        except TimeoutError:
            return
    raise AssertionError(f"a connect to {address} completed: the queue is not full")


def _redis_url(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"redis://{host}:{port}/0"


# What a redis-py client that sets no timeout of its own waits for a connect
# and for a reply: 5 s in redis-py 8 (one set to None waits for ever). A
# client bounded by its own timeout gives up well before.
REDIS_PY_DEFAULT_TIMEOUT: float = (
    inspect.signature(Redis.__init__).parameters["socket_timeout"].default
)

each_stall = pytest.mark.parametrize(
    "stalled_redis",
    [server_that_never_accepts, server_that_never_replies],
    ids=["connect-hangs", "reply-never-comes"],
)
"""Run a test once per way to stall a client, as ``stalled_redis: StalledServer``."""
