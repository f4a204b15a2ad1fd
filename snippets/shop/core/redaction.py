"""Keep the values users send out of logged database errors.

``hide_parameters=True`` drops SQLAlchemy's own ``[parameters: ...]`` line,
but PostgreSQL and asyncpg quote values in their messages too, and a logged
traceback prints the message of every exception in the chain:

* PostgreSQL's DETAIL line: ``Key (email)=(ada@example.com) already exists``,
  ``Failing row contains (..., $argon2id$...)``;
* a data exception (SQLSTATE class 22) in the message itself:
  ``invalid input syntax for type bigint: "..."``, or asyncpg's own
  ``invalid input for query argument $1: '<the value>' (...)``, whose cause
  is the encoder's error about that value.

The log keeps the first line of each message (what went wrong, which
constraint) and loses the rest; a class 22 message keeps only its SQLSTATE.
"""

import re
from collections.abc import Iterator

import asyncpg

# SQLSTATE class 22, "data exception": its messages quote the input.
_DATA_EXCEPTION_CLASS = "22"
_QUERY_ARGUMENT = re.compile(r"invalid input for query argument \$\d+")


def redact_database_errors(text: str, exc: BaseException | None) -> str:
    """``text`` (a formatted traceback of ``exc``) without the values it quotes."""
    replacements = sorted(
        _replacements(exc), key=lambda pair: len(pair[0]), reverse=True
    )
    for unsafe, safe in replacements:
        if unsafe:  # replacing "" would insert `safe` between every character
            text = text.replace(unsafe, safe)
    return text


# --8<-- [start:redaction]
def _replacements(exc: BaseException | None) -> Iterator[tuple[str, str]]:
    """(text a traceback may hold, what the log shows instead), per database error."""
    for error in _chain(exc):
        if not isinstance(error, asyncpg.PostgresError):
            continue
        # Line by line: a traceback may indent each line (exception groups).
        headline, *details = str(error).splitlines() or [""]
        sqlstate = error.sqlstate or ""
        if sqlstate.startswith(_DATA_EXCEPTION_CLASS):
            argument = _QUERY_ARGUMENT.match(headline)
            safe = (
                f"{argument.group()}: [value withheld]"
                if argument
                else f"[message withheld: SQLSTATE {sqlstate} quotes the input]"
            )
            # asyncpg raised it from the encoder's error about the value.
            if argument:
                cause = str(error.__cause__) if error.__cause__ else ""
                yield cause, "[withheld: error encoding the argument]"
            # The wrappers (SQLAlchemy's, its adapter's) repeat the headline.
            yield headline, safe
        for detail in details:  # DETAIL, HINT: they quote keys and rows
            yield detail, "[detail withheld]"
            # --8<-- [end:redaction]


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and every exception it was raised from, in, or with."""
    seen: set[int] = set()
    pending = [exc] if exc is not None else []
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        linked = [error.__cause__, error.__context__, getattr(error, "orig", None)]
        if isinstance(error, BaseExceptionGroup):
            linked += error.exceptions
        pending += [e for e in linked if isinstance(e, BaseException)]
