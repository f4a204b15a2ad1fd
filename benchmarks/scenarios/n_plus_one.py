"""N+1 versus eager loading: a user's orders with their items, 10 to 1,000 of them."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, lazyload

from benchmarks import dataset
from benchmarks.results import Scenario
from benchmarks.runner import (
    Environment,
    Plan,
    Recorder,
    ScenarioInfo,
    chart,
    scenario_result,
    taking_turns,
    timed_ms,
)
from benchmarks.scenarios.shop import service_engine
from shop.orders.models import Order
from shop.orders.repository import OrderRepository

INFO = ScenarioInfo(
    name="n_plus_one",
    title="N+1 versus eager loading",
    principle="PERF-EAGER-LOAD",
    description=(
        f"One user's first N orders, each with its {dataset.FULL.items_per_order} "
        "items, read through the "
        "service's engine into ORM objects, and every item touched. **Eager**: the "
        "service's own `OrderRepository.list_for_user` (`selectinload`). **Lazy**: "
        "the same query with `lazyload(Order.items)` overriding the model's "
        '`lazy="raise"`, and each order\'s `items` read in sync code through '
        "`AsyncSession.run_sync` (the only way async SQLAlchemy lets a lazy load "
        "run), so every order really costs one more query. Queries are counted "
        "by an event listener on the engine; the time is the whole listing, from "
        "the first query to the last item read, on a fresh session each time. "
        "Small listings are repeated within a run and their mean taken."
    ),
)


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement ``engine`` sends while the block runs."""
    statements: list[str] = []

    def before(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def eager(session: AsyncSession, user_id: int, count: int) -> int:
    orders = await OrderRepository(session).list_for_user(user_id, 0, count)
    return sum(item.quantity for order in orders for item in order.items)


async def lazy(session: AsyncSession, user_id: int, count: int) -> int:
    query = (
        select(Order)
        .where(Order.user_id == user_id, Order.id > 0)
        .order_by(Order.id)
        .limit(count)
        .options(lazyload(Order.items))
    )

    def read_items(sync_session: Session) -> int:
        orders = sync_session.scalars(query).all()
        return sum(item.quantity for order in orders for item in order.items)

    return await session.run_sync(read_items)


Variant = Callable[[AsyncSession, int, int], Awaitable[int]]
VARIANTS: dict[str, Variant] = {"eager": eager, "lazy": lazy}


async def _read_listing(
    sessions: async_sessionmaker[AsyncSession],
    variant: Variant,
    user_id: int,
    count: int,
    expected: int,
) -> None:
    """One listing on a fresh session; the sum of quantities proves it read them all."""
    async with sessions() as session:
        if await variant(session, user_id, count) != expected:
            raise RuntimeError("the listing read the wrong items")


def repetitions(count: int) -> int:
    """Enough listings per sample to last a few milliseconds or more."""
    return max(1, 200 // count)


async def run(env: Environment, plan: Plan) -> Scenario:
    sizes = env.dataset.sizes
    user = env.dataset.listing_user
    recorder = Recorder(plan)
    for count in sizes.listing_sizes:
        for name in VARIANTS:
            label = f"{count:,} orders, {name}"
            recorder.declare(f"{count}.{name}.queries", f"{label}: queries", "queries")
            recorder.declare(f"{count}.{name}.latency_ms", f"{label}: time", "ms")
        recorder.declare(
            f"{count}.ratio", f"{count:,} orders, lazy ÷ eager time", "ratio"
        )
    async with service_engine(env.database_url) as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        for run_index in plan.runs():
            values: dict[str, float] = {}
            order = taking_turns(VARIANTS, run_index)
            for count in sizes.listing_sizes:
                expected = count * sum(range(1, sizes.items_per_order + 1))
                for name in order:
                    listing = partial(
                        _read_listing, sessions, VARIANTS[name], user, count, expected
                    )
                    with counting(engine) as statements:
                        await listing()
                    values[f"{count}.{name}.queries"] = len(statements)
                    values[f"{count}.{name}.latency_ms"] = await timed_ms(
                        listing, repetitions(count)
                    )
                values[f"{count}.ratio"] = (
                    values[f"{count}.lazy.latency_ms"]
                    / values[f"{count}.eager.latency_ms"]
                )
            recorder.record(run_index, values)
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={
            "listing_sizes": list(sizes.listing_sizes),
            "items_per_order": sizes.items_per_order,
            "repetitions_per_sample": {
                str(count): repetitions(count) for count in sizes.listing_sizes
            },
        },
        charts=[
            chart(
                "Time to list N orders with their items",
                "ms",
                {
                    f"{count}.{name}.latency_ms": f"{count:,} orders, {name}"
                    for count in sizes.listing_sizes
                    for name in ("lazy", "eager")
                },
            )
        ],
    )
