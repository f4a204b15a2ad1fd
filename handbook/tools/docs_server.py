"""``task docs``: ``mkdocs serve`` that stops when ``task`` is asked to stop.

go-task catches SIGINT, SIGTERM and SIGHUP and only logs them: it expects a
terminal to have sent the signal to its whole process group, the server
included. A signal sent to the PID of ``uv run task docs`` alone (an IDE's
stop button, ``timeout``, a test) reaches ``task`` through uv, which passes
it on, and stops there, so the server kept running. (A third signal makes
``task`` exit, leaving the server behind.)

This module runs ``mkdocs serve`` and stops it when

- it is itself signalled (SIGTERM, SIGHUP; SIGINT unless the terminal sent
  it to the server as well);
- the ``task`` that started it logs a signal: while its command runs, task
  writes nothing else, so a new write in its ``/proc/<pid>/io`` means it was
  signalled (Linux; elsewhere only the other two apply);
- ``task``, or a process between it and this one, is gone.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

POLL_SECONDS = 0.2
# mkdocs serve exits at once on SIGTERM; SIGKILL only if it hangs.
STOP_GRACE_SECONDS = 10.0
TASK_COMMAND = "task"


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields follow the last ")".
    return int(stat.rsplit(")", 1)[1].split()[1])


def _command_of(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def ancestors_up_to_task(pid: int) -> list[int]:
    """The processes from ``pid``'s parent up to the nearest ``task``, or []."""
    chain: list[int] = []
    parent = _parent_of(pid)
    while parent and parent > 1:
        chain.append(parent)
        if _command_of(parent) == TASK_COMMAND:
            return chain
        parent = _parent_of(parent)
    return []


def writes_by(pid: int) -> int | None:
    """How many write calls ``pid`` has made, or None if that is not readable."""
    try:
        io = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return None
    for line in io.splitlines():
        name, _, value = line.partition(":")
        if name == "syscw":
            return int(value)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminal_sent_it_to_everyone() -> bool:
    """A Ctrl-C in a terminal reaches the whole foreground process group."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except OSError:
        return False


def serve(mkdocs_args: Sequence[str]) -> int:
    """Run ``mkdocs serve``; its exit code, or 0 once stopped on request."""
    chain = ancestors_up_to_task(os.getpid())
    task = chain[-1] if chain else None
    task_writes = writes_by(task) if task else None
    stop_requested: list[int] = []

    def requested(signum: int, _: FrameType | None) -> None:
        if signum == signal.SIGINT and _terminal_sent_it_to_everyone():
            return  # mkdocs has it too, and stops by itself
        stop_requested.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, requested)
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", *mkdocs_args])
    while (code := server.poll()) is None:
        if (
            stop_requested
            or not all(_alive(pid) for pid in chain)
            or (task and task_writes is not None and writes_by(task) != task_writes)
        ):
            _stop(server)
            return 0
        time.sleep(POLL_SECONDS)
    return code


def _stop(server: "subprocess.Popen[bytes]") -> None:
    server.terminate()
    try:
        server.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main() -> None:
    sys.exit(serve(sys.argv[1:]))


if __name__ == "__main__":
    main()
