"""Evidence for ASYNC-GATHER: Independent awaits run concurrently with asyncio.gather or a TaskGroup.

Each test reproduces a claim docs/principles/async/gather.md makes,
against the real tool, library or service.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.database import create_session_factory
from tests.support.pages import prose
from tests.support.shop_fixtures import DatabaseFactory

ASYNC_PAGES = DOCS_DIR / "principles" / "async"


GATHER_PAGE = ASYNC_PAGES / "gather.md"


def test_sqlalchemy_says_an_async_session_is_not_for_concurrent_tasks() -> None:
    assert AsyncSession.__doc__ is not None
    docstring = " ".join(AsyncSession.__doc__.split())
    assert "is **not safe for use in concurrent tasks.**" in docstring
    quoted = 'own docstring says it "is not safe for use in concurrent tasks"'
    assert f"SQLAlchemy's {quoted}" in prose(GATHER_PAGE)


async def test_gather_leaves_the_other_awaitables_running_after_a_failure() -> None:
    finished: list[str] = []

    async def fetch_orders() -> None:
        await asyncio.sleep(0.05)
        finished.append("orders")

    async def fetch_offers() -> None:
        raise ConnectionError("offers service unavailable")

    with pytest.raises(ConnectionError):
        await asyncio.gather(fetch_orders(), fetch_offers())
    assert finished == []

    await asyncio.sleep(0.2)
    assert finished == ["orders"]  # it kept running after gather had raised
    assert (
        "`asyncio.gather` without `return_exceptions=True` raises the first "
        "failure and leaves the other awaitables running" in prose(GATHER_PAGE)
    )


async def test_sequential_awaits_start_each_call_after_the_previous_answer() -> None:
    events: list[str] = []

    async def fetch(source: str, seconds: float) -> str:
        events.append(f"{source} requested")
        await asyncio.sleep(seconds)
        events.append(f"{source} received")
        return source

    for source, seconds in (("profile", 0.03), ("orders", 0.02), ("offers", 0.01)):
        await fetch(source, seconds)

    assert events == [
        "profile requested",
        "profile received",
        "orders requested",
        "orders received",
        "offers requested",
        "offers received",
    ]
    assert "test_sequential_awaits_start_each_call_after_the_previous_answer" in (
        prose(GATHER_PAGE)
    )


# --- Reads that must agree ------------------------------------------------------

COUNT_ORDERS = text("SELECT count(*) FROM orders")


@pytest.fixture
async def committing_engine(
    create_database: DatabaseFactory,
) -> AsyncIterator[AsyncEngine]:
    """An engine on a database of its own, where a commit is really a commit."""
    engine = create_async_engine(await create_database())
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE orders (id int)"))
    yield engine
    await engine.dispose()


async def _commit_an_order(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO orders VALUES (1)"))


async def test_a_commit_between_two_sessions_reads_shows_in_one_and_not_the_other(
    committing_engine: AsyncEngine,
) -> None:
    # At REPEATABLE READ, so what splits the reads is the second transaction:
    # the same two reads in one session at that level agree (the test below),
    # and at the default READ COMMITTED even one session's reads would differ.
    sessions = async_sessionmaker(
        committing_engine.execution_options(isolation_level="REPEATABLE READ")
    )
    async with sessions() as first, sessions() as second:
        first_count = await first.scalar(COUNT_ORDERS)
        await _commit_an_order(committing_engine)
        second_count = await second.scalar(COUNT_ORDERS)
    assert (first_count, second_count) == (0, 1)
    assert "a commit between their reads shows in one and not the other" in prose(
        GATHER_PAGE
    )


async def test_two_reads_in_one_repeatable_read_transaction_agree(
    committing_engine: AsyncEngine,
) -> None:
    sessions = async_sessionmaker(
        committing_engine.execution_options(isolation_level="REPEATABLE READ")
    )
    async with sessions() as session:
        before = await session.scalar(COUNT_ORDERS)
        await _commit_an_order(committing_engine)
        after = await session.scalar(COUNT_ORDERS)
    assert before == after == 0
    assert "one after the other in a transaction at `REPEATABLE READ`" in prose(
        GATHER_PAGE
    )


# --- A new shared session fails only when the checkout awaits -------------------

SLOW_THEN_FAST = (
    text("SELECT clock_timestamp(), pg_sleep(0.1)"),
    text("SELECT clock_timestamp()"),
)


async def test_without_a_ping_a_warm_pool_lets_a_new_shared_session_run_both_queries(
    settings: Settings,
) -> None:
    # SQLAlchemy's default engine: no pool_pre_ping, unlike the service's.
    engine = create_async_engine(settings.async_database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as cold:  # the pool is empty: a new connection
            on_a_cold_pool = await asyncio.gather(
                cold.execute(text("SELECT 1")),
                cold.execute(text("SELECT 2")),
                return_exceptions=True,
            )
        async with sessions() as warm:  # the idle connection, handed over at once
            slow, fast = await asyncio.gather(
                *(warm.execute(query) for query in SLOW_THEN_FAST)
            )
    finally:
        await engine.dispose()

    assert isinstance(on_a_cold_pool[1], InvalidRequestError)
    # No error to catch, and still no overlap: the second waited for the first.
    assert (fast.scalar_one() - slow.one()[0]).total_seconds() >= 0.1
    page = prose(GATHER_PAGE)
    assert "On an engine without the ping, once the pool holds an idle" in page
