"""Ports for the servers the tests and benchmarks start on 127.0.0.1."""

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now.

    The OS picks it; the socket is closed again at once, so the server
    started next can bind it.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
