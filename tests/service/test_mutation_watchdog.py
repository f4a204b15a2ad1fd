"""Specification of `task mutation`'s watchdog: a mutant run that waits
without using CPU is stopped as a timeout, and nothing else is touched."""

import signal

from tests.service.mutation_watchdog import main, overdue_mutant_runs

PS_OUTPUT = """\
    101    300 mutmut: shop.shared.cache.x_create_cache__mutmut_13
    102     30 mutmut: shop.shared.cache.x_create_cache__mutmut_14
    103    900 /usr/bin/python3 -m mutmut run --max-children 2
    104    500 postgres: checkpointer
"""


def test_only_mutant_runs_older_than_the_limit_are_overdue() -> None:
    assert overdue_mutant_runs(PS_OUTPUT, wall_seconds=120) == [101]
    assert overdue_mutant_runs(PS_OUTPUT, wall_seconds=10) == [101, 102]
    assert overdue_mutant_runs("", wall_seconds=0) == []


def test_a_mutant_run_that_sleeps_past_the_limit_ends_by_sigxcpu() -> None:
    # A process titled as mutmut titles a mutant's run, waiting without CPU:
    # what a test stuck on a socket with no timeout looks like.
    stuck = ["bash", "-c", "exec -a 'mutmut: shop.demo__mutmut_1' sleep 60"]

    returncode = main(["--wall-seconds", "0", "--poll-seconds", "0.2", "--", *stuck])

    assert returncode == -signal.SIGXCPU


def test_a_run_that_ends_by_itself_keeps_its_exit_code() -> None:
    assert main(["--poll-seconds", "0.1", "--", "bash", "-c", "exit 3"]) == 3
