"""Specification of `task mutation`'s watchdog: a mutant run that waits
without using CPU is stopped as a timeout, and nothing else is touched."""

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.service.mutation_watchdog import main, overdue_mutant_runs

# pid, ppid, age in seconds, command line: 100 is the mutmut this watchdog
# started, 200 another mutmut on the same machine.
PS_OUTPUT = """\
    100     50    900 /usr/bin/python3 -m mutmut run --max-children 2
    101    100    300 mutmut: shop.shared.cache.x_create_cache__mutmut_13
    102    100     30 mutmut: shop.shared.cache.x_create_cache__mutmut_14
    103    101    300 mutmut: shop.shared.cache.x_create_cache__mutmut_13
    104      1    500 postgres: checkpointer
    201    200    300 mutmut: shop.core.errors.x__domain_error__mutmut_3
"""


def test_only_mutant_runs_older_than_the_limit_are_overdue() -> None:
    assert overdue_mutant_runs(PS_OUTPUT, wall_seconds=120, mutmut=100) == [101, 103]
    assert overdue_mutant_runs(PS_OUTPUT, wall_seconds=10, mutmut=100) == [
        101,
        102,
        103,
    ]
    assert overdue_mutant_runs("", wall_seconds=0, mutmut=100) == []


def test_the_mutant_runs_of_another_mutmut_are_not_overdue() -> None:
    assert overdue_mutant_runs(PS_OUTPUT, wall_seconds=0, mutmut=200) == [201]
    assert overdue_mutant_runs(PS_OUTPUT, wall_seconds=0, mutmut=999) == []


def test_a_mutant_run_that_sleeps_past_the_limit_ends_by_sigxcpu() -> None:
    # mutmut forks each mutant's run as a child titled with its name; this
    # one waits without CPU, as a test stuck on a socket with no timeout.
    # bash, like mutmut, reaps it and exits with 128 + the signal.
    stuck = ["bash", "-c", "exec -a 'mutmut: shop.demo__mutmut_1' sleep 60 & wait $!"]

    returncode = main(["--wall-seconds", "0", "--poll-seconds", "0.2", "--", *stuck])

    assert returncode == 128 + signal.SIGXCPU


def test_a_run_that_ends_by_itself_keeps_its_exit_code() -> None:
    assert main(["--poll-seconds", "0.1", "--", "bash", "-c", "exit 3"]) == 3


def test_a_mutant_run_outside_its_mutmut_is_left_alone() -> None:
    # Another `task mutation` on the same machine (or this very test, while
    # one runs): stopping its mutants would count them as caught there.
    with _a_mutant_run_of_another_mutmut() as other:
        # ps counts whole seconds: from 1 s on, the other run is over 0 s.
        main(["--wall-seconds", "0", "--poll-seconds", "0.1", "--", "sleep", "1.5"])

        assert other.poll() is None


@contextmanager
def _a_mutant_run_of_another_mutmut() -> Iterator[subprocess.Popen[bytes]]:
    title = "mutmut: shop.other_run__mutmut_7"
    bash = shutil.which("bash")
    assert bash is not None, "bash is needed: apt-get install bash"
    with subprocess.Popen([bash, "-c", f"exec -a '{title}' sleep 60"]) as other:
        try:
            cmdline = Path(f"/proc/{other.pid}/cmdline")
            deadline = time.monotonic() + 5
            while not cmdline.read_bytes().startswith(title.encode()):
                assert time.monotonic() < deadline, "the process never took its title"
                time.sleep(0.01)
            yield other
        finally:
            other.kill()
