"""Run ``mutmut run`` and stop a mutant run that waits sooner than mutmut does.

mutmut bounds each mutant's test run by CPU time (RLIMIT_CPU) and, from a
timer in its own process, by wall-clock time: (estimate + timeout_constant)
x timeout_multiplier, 15 by default (mutmut/workers/isolation.py, ForkRunner).
A mutant that makes a test wait in epoll (a socket timeout removed, say) uses
no CPU, so only the wall-clock limit stops it: 600 s for the 39 s estimate of
the tests that cover the Redis clients. A smaller timeout_multiplier would
shorten that, but also the limit of every fast mutant, which a busy machine
could then time out by mistake. Instead, while mutmut runs, this
sends each mutant's process (titled ``mutmut: <mutant name>``) that has been
alive longer than a wall-clock limit the signal the CPU limit would have
sent, SIGXCPU, which mutmut records as a timeout: the mutant is caught.
Only the mutmut it started is watched: ``ps`` lists every process on the
machine, and another mutmut's runs (another worktree's ``task mutation``, or
this module's own tests while one runs) are not this watchdog's to stop.

The default limit, 120 s, is three times the longest run mutmut's own
estimates give (39 s, for the tests that cover the Redis clients).

Run from the mutation directory (``task mutation`` does)::

    python -m tests.service.mutation_watchdog [--wall-seconds N] -- mutmut run ...
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

MUTANT_TITLE = "mutmut: "
# procps: Debian's package of that name, on every machine this runs on.
PS = shutil.which("ps") or "/bin/ps"


def overdue_mutant_runs(ps_output: str, wall_seconds: int, mutmut: int) -> list[int]:
    """Pids of ``mutmut``'s mutant runs older than ``wall_seconds``.

    ``ps_output`` is that of ``ps -eo pid=,ppid=,etimes=,args=``.
    """
    parent: dict[int, int] = {}
    titled: list[tuple[int, int]] = []  # (pid, age) of each mutant run
    for line in ps_output.splitlines():
        fields = line.split(None, 3)
        if len(fields) < 4:
            continue
        pid, ppid, age = int(fields[0]), int(fields[1]), int(fields[2])
        parent[pid] = ppid
        if fields[3].startswith(MUTANT_TITLE):
            titled.append((pid, age))
    return [
        pid
        for pid, age in titled
        if age > wall_seconds and _descends_from(pid, mutmut, parent)
    ]


def _descends_from(pid: int, ancestor: int, parent: dict[int, int]) -> bool:
    seen: set[int] = set()  # a pid reused while ps reads /proc can make a loop
    while pid in parent and pid not in seen:
        seen.add(pid)
        pid = parent[pid]
        if pid == ancestor:
            return True
    return False


def _stop_overdue(wall_seconds: int, mutmut: int) -> None:
    listing = subprocess.run(
        [PS, "-eo", "pid=,ppid=,etimes=,args="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for pid in overdue_mutant_runs(listing, wall_seconds, mutmut):
        print(f"mutation_watchdog: SIGXCPU to {pid}, over {wall_seconds} s", flush=True)
        with contextlib.suppress(ProcessLookupError):  # it ended since ps ran
            os.kill(pid, signal.SIGXCPU)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wall-seconds", type=int, default=120)
    parser.add_argument("--poll-seconds", type=float, default=5)
    parser.add_argument("command", nargs="+", help="after --: mutmut run ...")
    arguments = parser.parse_args(argv)
    with subprocess.Popen(arguments.command) as mutmut:
        while mutmut.poll() is None:
            _stop_overdue(arguments.wall_seconds, mutmut.pid)
            time.sleep(arguments.poll_seconds)
    return mutmut.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
