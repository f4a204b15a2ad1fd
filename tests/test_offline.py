"""Specification: a command run offline reaches nothing, even on a machine with network."""

import socket
import subprocess
import sys

from tests.support.offline import offline

CONNECT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)"


def test_a_host_that_resolves_is_out_of_reach_of_the_command() -> None:
    # localhost resolves on every machine, so the command must be isolated
    # even from a server listening on this machine's loopback.
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        reachable = subprocess.run(
            [sys.executable, "-c", CONNECT, str(port)], capture_output=True, check=False
        )
        isolated = subprocess.run(
            offline([sys.executable, "-c", CONNECT, str(port)], host="localhost"),
            capture_output=True,
            text=True,
            check=False,
        )

    assert reachable.returncode == 0, reachable.stderr
    assert isolated.returncode != 0
    assert "ConnectionRefusedError" in isolated.stderr or "OSError" in isolated.stderr


def test_a_host_that_does_not_resolve_leaves_the_command_as_it_is() -> None:
    command = [sys.executable, "-c", "pass"]

    assert offline(command, host="no-such-host.invalid") == command
