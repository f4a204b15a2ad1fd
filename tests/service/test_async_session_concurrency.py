"""One AsyncSession, two concurrent tasks: what really happens, against PostgreSQL.

The ASYNC-GATHER page quotes these tests: gathering work on one session
fails or runs one statement at a time; a session per task runs on its own
connection. A new session fails here because the app's engine pings each
connection it checks out; tests/principles/async/test_gather.py shows an
engine without the ping, where it does not.
"""

import asyncio
import warnings

from sqlalchemy import func, select, text
from sqlalchemy.exc import InvalidRequestError, SAWarning
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shop.core.database import create_session_factory
from shop.users.models import User


# --8<-- [start:shared-session-gather]
# --8<-- [start:lead-new-session]
async def test_gathering_queries_on_a_new_session_fails(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)  # the app's factory and engine
    async with sessions() as earlier:  # leaves an idle connection in the pool
        await earlier.execute(text("SELECT 1"))
    # A request's session before its first statement: checking out even the
    # pooled connection awaits its ping (the engine's pool_pre_ping=True).
    async with sessions() as session:
        first, second = await asyncio.gather(
            session.execute(text("SELECT 1")),
            session.execute(text("SELECT 2")),
            return_exceptions=True,
        )

    assert not isinstance(first, BaseException)
    assert first.scalar() == 1
    assert isinstance(second, InvalidRequestError)
    assert str(second).startswith(
        "This session is provisioning a new connection; "
        "concurrent operations are not permitted"
    )
    # --8<-- [end:lead-new-session]


async def test_gathering_writes_on_one_session_fails(session: AsyncSession) -> None:
    await session.scalar(select(func.count()).select_from(User))

    password_hash = "$argon2id$v=19$m=8,t=1,p=1$not-checked-here"  # noqa: S105  # never verified

    async def add_user(email: str) -> None:
        session.add(User(email=email, name="Ada", password_hash=password_hash))
        await session.flush()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = await asyncio.gather(
            add_user("ada@example.com"),
            add_user("grace@example.com"),
            return_exceptions=True,
        )

    assert results[0] is None
    assert isinstance(results[1], InvalidRequestError)
    assert str(results[1]) == "Session is already flushing"
    [warning] = caught
    assert warning.category is SAWarning
    assert "Results may not be consistent" in str(warning.message)


async def test_gathered_queries_on_one_session_run_one_after_the_other(
    session: AsyncSession,
) -> None:
    await session.scalar(select(func.count()).select_from(User))

    slow, fast = await asyncio.gather(
        session.execute(text("SELECT clock_timestamp(), pg_sleep(0.1)")),
        session.execute(text("SELECT clock_timestamp()")),
    )

    slow_started = slow.one()[0]
    fast_started = fast.scalar_one()
    # The fast query started only after the slow one's sleep: no overlap.
    assert (fast_started - slow_started).total_seconds() >= 0.1
    # --8<-- [end:shared-session-gather]


# --8<-- [start:session-per-task]
async def test_a_session_per_task_gives_each_task_its_own_connection(
    engine: AsyncEngine,
) -> None:
    session_factory = create_session_factory(engine)

    async def backend_pid() -> int:
        async with session_factory() as session:
            pid: int = await session.scalar(text("SELECT pg_backend_pid()"))
            return pid

    first, second = await asyncio.gather(backend_pid(), backend_pid())

    # Two PostgreSQL backends: the database can run both queries at the same time.
    assert first != second
    # --8<-- [end:session-per-task]
