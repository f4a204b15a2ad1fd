"""Specification of the redaction of logged database errors: chains of any shape.

A logged traceback prints every exception its error was raised from, in or
with; the redaction follows the same chain. The values themselves, against
real PostgreSQL errors, are specified in test_faults.py.
"""

import signal
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import asyncpg

from shop.core.redaction import redact_database_errors

EMAIL = "ada@example.com"


def _unique_violation() -> asyncpg.UniqueViolationError:
    error = asyncpg.UniqueViolationError(
        'duplicate key value violates unique constraint "uq_users_email"\n'
        f"DETAIL:  Key (email)=({EMAIL}) already exists."
    )
    return error


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Fail the block, rather than hang the suite, if it runs past ``seconds``."""

    def expire(_signal: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_chain_that_loops_back_is_redacted_and_the_redaction_ends() -> None:
    """``raise violation from cleanup`` after ``cleanup`` was raised from
    ``violation``: each is the other's cause. The traceback module prints
    such a loop once; the log line must not wait for the loop to end."""
    violation = _unique_violation()
    cleanup = RuntimeError("rollback failed")
    cleanup.__cause__ = violation
    violation.__cause__ = cleanup
    text = "".join(traceback.format_exception(violation))
    assert EMAIL in text

    with _deadline(5):
        redacted = redact_database_errors(text, violation)

    assert EMAIL not in redacted
    assert "RuntimeError: rollback failed" in redacted


def test_an_error_reached_twice_does_not_hide_the_rest_of_the_chain() -> None:
    """A task group whose last failure happened while handling an earlier
    one that the group holds too: the earlier one is reached twice, and
    the database error after it in the group is still redacted."""
    first_attempt = TimeoutError("payment partner did not answer")
    retry = ConnectionError("payment partner refused the retry")
    retry.__context__ = first_attempt
    group = ExceptionGroup(
        "order placement failed", [_unique_violation(), first_attempt, retry]
    )
    text = "".join(traceback.format_exception(group))
    assert EMAIL in text

    redacted = redact_database_errors(text, group)

    assert EMAIL not in redacted
    assert 'violates unique constraint "uq_users_email"' in redacted


def test_each_withheld_part_says_what_was_withheld() -> None:
    """The log keeps the shape of the error: a reader sees that a value
    was there and was withheld, not a message that silently lost a line."""
    violation = _unique_violation()
    text = "".join(traceback.format_exception(violation))

    redacted = redact_database_errors(text, violation)

    assert "[detail withheld]" in redacted.splitlines()
    assert 'violates unique constraint "uq_users_email"' in redacted


def test_a_value_asyncpg_could_not_encode_is_withheld_with_its_cause() -> None:
    """asyncpg raises "invalid input for query argument" from the
    encoder's error, and both quote the value the user sent."""
    encoder_error = ValueError("invalid literal for int() with base 10: 'hunter2'")
    data_error = asyncpg.DataError(
        "invalid input for query argument $1: 'hunter2' (invalid literal)"
    )
    data_error.__cause__ = encoder_error
    text = "".join(traceback.format_exception(data_error))
    assert text.count("hunter2") == 2

    redacted = redact_database_errors(text, data_error)

    assert "hunter2" not in redacted
    assert "invalid input for query argument $1: [value withheld]" in redacted
    assert "ValueError: [withheld: error encoding the argument]" in (
        redacted.splitlines()
    )


def test_a_task_group_raised_from_a_database_error_is_redacted() -> None:
    """The group's own cause, not only its members, is followed."""
    violation = _unique_violation()
    try:
        try:
            raise violation
        except asyncpg.UniqueViolationError as error:
            raise ExceptionGroup(
                "order placement failed", [RuntimeError("stock not reserved")]
            ) from error
    except ExceptionGroup as raised:
        group = raised
    text = "".join(traceback.format_exception(group))
    assert EMAIL in text

    redacted = redact_database_errors(text, group)

    assert EMAIL not in redacted
