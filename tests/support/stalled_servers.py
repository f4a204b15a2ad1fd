"""Servers that stall a client at each step of a conversation, on loopback.

A client's timeouts are only tested by a server that makes it wait: one
whose connect never completes, and one that accepts and never replies.
Each yields a ``redis://`` URL, the only kind of client pointed at them.
"""

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager


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
