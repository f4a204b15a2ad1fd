"""Commands run as on a machine without network, whatever this one has.

Some pages quote what a tool prints when it cannot reach the internet (a
hosted pre-commit hook, an install script fetched with curl). This project's
CI has no network beyond the package registries, so there the command runs
as is; on a machine that can reach the host, it runs in a network namespace
of its own, with no interface up, so it fails the same way. The evidence
runs everywhere instead of being skipped where the network is.
"""

import functools
import shutil
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimedOut

import pytest

# A resolver that hangs counts as no network; getaddrinfo itself has no timeout.
LOOKUP_SECONDS = 5
# util-linux's unshare: a new network namespace as root, or inside a user
# namespace of one's own where unprivileged ones are allowed.
NAMESPACE_OPTIONS = (["--net"], ["--map-root-user", "--net"])


def offline(args: list[str], host: str) -> list[str]:
    """``args``, to run where ``host`` cannot be reached."""
    if not _resolves(host):
        return args
    if (prefix := _namespace_prefix()) is not None:
        return [*prefix, *args]
    pytest.fail(
        f"{host} resolves here, and this test needs a machine that cannot reach "
        "it: run it as root or where unprivileged user namespaces are allowed "
        "(`unshare --map-root-user --net true` must succeed; util-linux), or "
        "offline",
        pytrace=False,
    )


# Both looked up once per process: a module runs several commands offline.
@functools.cache
def _namespace_prefix() -> tuple[str, ...] | None:
    """The unshare command that gives a command a network of its own, or None."""
    if (unshare := shutil.which("unshare")) is None:
        return None
    for options in NAMESPACE_OPTIONS:
        probe = subprocess.run(
            [unshare, *options, "true"], capture_output=True, check=False, timeout=30
        )
        if probe.returncode == 0:
            return (unshare, *options)
    return None


@functools.cache
def _resolves(host: str) -> bool:
    pool = ThreadPoolExecutor(max_workers=1)
    lookup = pool.submit(socket.getaddrinfo, host, 443)
    try:
        lookup.result(timeout=LOOKUP_SECONDS)
    except (OSError, LookupTimedOut):
        return False
    finally:
        pool.shutdown(wait=False)
    return True
