"""Evidence for ASYNC-GATHER: Independent awaits run concurrently with asyncio.gather or a TaskGroup.

Each test reproduces a claim docs/principles/async/gather.md makes,
against the real tool, library or service.
"""

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR
from tests.support.pages import prose

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
