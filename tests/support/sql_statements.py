"""Counting the SQL statements a block of code sends: N+1 shows as N+1."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection


# --8<-- [start:count-statements]
@contextmanager
def count_statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """Collect every SQL statement sent on ``connection`` inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Savepoints are the test harness's isolation, not the app's queries.
        if not statement.startswith(
            ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
        ):
            statements.append(statement)

    # On the connection itself, not its engine: a statement another test or
    # request sends on another pooled connection is not this block's.
    sync_connection = connection.sync_connection
    assert sync_connection is not None, "count on a connection that is open"
    event.listen(sync_connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(sync_connection, "before_cursor_execute", record)
    # --8<-- [end:count-statements]
