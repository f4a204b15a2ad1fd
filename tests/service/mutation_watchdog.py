"""Run ``mutmut run`` and stop the mutant runs its CPU-time limit cannot stop.

mutmut bounds each mutant's test run by CPU time (RLIMIT_CPU). A mutant that
makes a test wait in epoll (a socket timeout removed, say) uses no CPU, so
the limit never fires and the whole run hangs on it. While mutmut runs, this
sends each mutant's process (titled ``mutmut: <mutant name>``) that has been
alive longer than a wall-clock limit the signal the CPU limit would have
sent, SIGXCPU, which mutmut records as a timeout: the mutant is caught.

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


def overdue_mutant_runs(ps_output: str, wall_seconds: int) -> list[int]:
    """Pids of mutant runs older than ``wall_seconds``, from ``ps -eo pid=,etimes=,args=``."""
    overdue = []
    for line in ps_output.splitlines():
        fields = line.split(None, 2)
        if len(fields) < 3 or not fields[2].startswith(MUTANT_TITLE):
            continue
        pid, age = int(fields[0]), int(fields[1])
        if age > wall_seconds:
            overdue.append(pid)
    return overdue


def _stop_overdue(wall_seconds: int) -> None:
    listing = subprocess.run(
        [PS, "-eo", "pid=,etimes=,args="], capture_output=True, text=True, check=True
    ).stdout
    for pid in overdue_mutant_runs(listing, wall_seconds):
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
            _stop_overdue(arguments.wall_seconds)
            time.sleep(arguments.poll_seconds)
    return mutmut.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
