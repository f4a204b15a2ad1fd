"""Offset versus cursor pagination: one page of orders, ever deeper into the listing."""

from functools import partial
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

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
    name="pagination",
    title="Offset versus cursor pagination",
    principle="API-CURSOR-PAGINATION",
    description=(
        "One page (the service's default limit of 20, fetched as 21 rows to tell "
        "whether a next page exists) of a user with one page more orders than the "
        f"deepest depth, one id in {dataset.PAGING_SHARE} of a table shared with "
        "another user, starting *depth* rows into the listing. **Cursor**: the "
        "service's own "
        "`OrderRepository.list_for_user`, `WHERE user_id = :user AND id > :after "
        "ORDER BY id LIMIT 21`. **Offset**: the same statement with `id > 0` and "
        "`OFFSET :depth`. The migration's `(user_id, id)` index is there for "
        "both; the plans show what PostgreSQL chose. Both "
        "load the page's items with `selectinload`, on a fresh session from the "
        "service's engine; both must return the same orders. The plans are "
        "`EXPLAIN (ANALYZE, BUFFERS)` of each page's orders query at the deepest "
        "depth, run after the measurements."
    ),
)


def cursor_query(user_id: int, after_id: int, limit: int) -> Select[Order]:
    """What ``OrderRepository.list_for_user`` sends (quoted for the plan)."""
    return (
        select(Order)
        .where(Order.user_id == user_id, Order.id > after_id)
        .order_by(Order.id)
        .limit(limit)
    )


def offset_query(user_id: int, depth: int, limit: int) -> Select[Order]:
    return cursor_query(user_id, 0, limit).offset(depth)


async def explain(engine: AsyncEngine, query: Select[Any]) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of ``query``, its (integer) values inlined."""
    sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    async with engine.connect() as conn:
        rows = await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
        return "\n".join(str(row[0]) for row in rows)


def repetitions(depth: int) -> int:
    return 20 if depth < 10_000 else 5


async def run(env: Environment, plan: Plan) -> Scenario:
    sizes = env.dataset.sizes
    user = env.dataset.paging_user
    limit = sizes.page_size + 1
    recorder = Recorder(plan)
    for depth in sizes.paging_depths:
        for name in ("offset", "cursor"):
            recorder.declare(
                f"{depth}.{name}.latency_ms", f"depth {depth:,}, {name}", "ms"
            )
        recorder.declare(
            f"{depth}.ratio", f"depth {depth:,}, offset ÷ cursor time", "ratio"
        )
    async with service_engine(env.database_url) as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        after_ids = {0: 0}
        async with engine.connect() as conn:
            for depth in sizes.paging_depths:
                if depth:
                    after_ids[depth] = int(
                        await conn.scalar(
                            text(
                                "SELECT id FROM orders WHERE user_id = :user"
                                " ORDER BY id OFFSET :skip LIMIT 1"
                            ),
                            {"user": user, "skip": depth - 1},
                        )
                    )

        async def cursor_page(depth: int) -> list[int]:
            async with sessions() as session:
                rows = await OrderRepository(session).list_for_user(
                    user, after_ids[depth], limit
                )
                return [order.id for order in rows]

        async def offset_page(depth: int) -> list[int]:
            async with sessions() as session:
                return await _offset_page(session, user, depth, limit)

        for depth in sizes.paging_depths:
            if await cursor_page(depth) != await offset_page(depth):
                raise RuntimeError(f"offset and cursor pages differ at depth {depth}")
        for run_index in plan.runs():
            values: dict[str, float] = {}
            for depth in sizes.paging_depths:
                pages = {"offset": offset_page, "cursor": cursor_page}
                for name in taking_turns(pages, run_index):
                    page = pages[name]
                    values[f"{depth}.{name}.latency_ms"] = await timed_ms(
                        partial(page, depth), repetitions(depth)
                    )
                values[f"{depth}.ratio"] = (
                    values[f"{depth}.offset.latency_ms"]
                    / values[f"{depth}.cursor.latency_ms"]
                )
            recorder.record(run_index, values)
        deepest = max(sizes.paging_depths)
        plans = {
            f"offset, depth {deepest:,}": await explain(
                engine, offset_query(user, deepest, limit)
            ),
            f"cursor, depth {deepest:,}": await explain(
                engine, cursor_query(user, after_ids[deepest], limit)
            ),
        }
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={
            "page_size": sizes.page_size,
            "rows_fetched_per_page": limit,
            "depths": list(sizes.paging_depths),
            "user_orders": max(sizes.paging_depths) + limit,
            "neighbour_orders": (max(sizes.paging_depths) + limit)
            * (dataset.PAGING_SHARE - 1),
            "repetitions_per_sample": {
                str(depth): repetitions(depth) for depth in sizes.paging_depths
            },
        },
        charts=[
            chart(
                "Time for one page, by how deep it starts",
                "ms",
                {
                    f"{depth}.{name}.latency_ms": f"depth {depth:,}, {name}"
                    for depth in sizes.paging_depths
                    for name in ("offset", "cursor")
                },
            )
        ],
        plans=plans,
    )


async def _offset_page(
    session: AsyncSession, user_id: int, depth: int, limit: int
) -> list[int]:
    query = offset_query(user_id, depth, limit).options(selectinload(Order.items))
    return [order.id for order in (await session.scalars(query)).all()]
