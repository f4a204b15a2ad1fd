"""Evidence for DB-INDEXES: PostgreSQL's plans with and without the index.

Plans are compared by node type and index name, never by timing.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "data" / "indexes.md"


# --8<-- [start:explain]
async def plan_of(session: AsyncSession, query: str) -> list[str]:
    """The plan's nodes, outermost first: "Seq Scan", "Index Scan using ix_...", ..."""
    explained = await session.scalar(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}"))

    def walk(node: dict[str, Any]) -> list[str]:
        name = node["Node Type"]
        if "Index Name" in node:
            name += f" using {node['Index Name']}"
        if node.get("Rows Removed by Filter"):
            name += f" ({node['Rows Removed by Filter']} rows read and thrown away)"
        return [name] + [n for child in node.get("Plans", []) for n in walk(child)]

    return walk(explained[0]["Plan"])


async def test_an_index_on_the_filtered_column_replaces_the_full_scan(
    session: AsyncSession,
) -> None:
    # 50,000 orders of 1,000 users, in a temporary table of the test transaction.
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE orders_demo ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " user_id bigint NOT NULL)"
        )
    )
    await session.execute(
        text(
            "INSERT INTO orders_demo (user_id) SELECT g % 1000 FROM generate_series(1, 50000) g"
        )
    )
    await session.execute(
        text("ANALYZE orders_demo")
    )  # fresh statistics for the planner
    query = (
        "SELECT id FROM orders_demo WHERE user_id = 42 AND id > 0 ORDER BY id LIMIT 20"
    )

    lookup = "SELECT id FROM orders_demo WHERE user_id = 42"
    before = await plan_of(session, query), await plan_of(session, lookup)
    await session.execute(
        text("CREATE INDEX ix_orders_demo_user_id_id ON orders_demo (user_id, id)")
    )
    await session.execute(text("ANALYZE orders_demo"))
    after = await plan_of(session, query), await plan_of(session, lookup)

    assert before == (
        [
            "Limit",
            "Index Scan using orders_demo_pkey (19022 rows read and thrown away)",
        ],
        ["Seq Scan (49950 rows read and thrown away)"],
    )
    assert after == (
        ["Limit", "Index Only Scan using ix_orders_demo_user_id_id"],
        ["Bitmap Heap Scan", "Bitmap Index Scan using ix_orders_demo_user_id_id"],
    )
    # --8<-- [end:explain]


# --8<-- [start:fk-not-indexed]
async def test_postgresql_creates_no_index_for_a_foreign_key(
    session: AsyncSession,
) -> None:
    await session.execute(
        text(
            "CREATE TABLE carts ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " user_id bigint NOT NULL REFERENCES users (id),"
            " token text NOT NULL UNIQUE)"
        )
    )

    indexes = (
        await session.scalars(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'carts'")
        )
    ).all()

    assert sorted(indexes) == ["carts_pkey", "carts_token_key"]
    # --8<-- [end:fk-not-indexed]
    assert (
        "indexes primary keys and unique constraints by itself, never foreign keys"
        in prose(PAGE)
    )


async def test_a_tiny_table_is_read_whole_even_with_the_index(
    session: AsyncSession,
) -> None:
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE few_orders ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " user_id bigint NOT NULL)"
        )
    )
    await session.execute(
        text("INSERT INTO few_orders (user_id) SELECT g FROM generate_series(1, 10) g")
    )
    await session.execute(
        text("CREATE INDEX ix_few_orders_user_id ON few_orders (user_id)")
    )
    await session.execute(text("ANALYZE few_orders"))

    plan = await plan_of(session, "SELECT id FROM few_orders WHERE user_id = 7")

    assert plan[0].startswith("Seq Scan")
    assert "PostgreSQL still answers with a `Seq Scan`" in prose(PAGE)
