"""Evidence for PERF-EAGER-LOAD: List endpoints load relationships eagerly, never one query per row.

Each test reproduces a claim docs/principles/performance/eager-loading.md makes,
against the real tool, library or service.
"""

import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.principles.performance.examples import eager_loading as minimal
from tests.support.pages import prose
from tests.support.shop_fixtures import DatabaseFactory
from tests.support.sql_statements import count_statements

EAGER_PAGE = DOCS_DIR / "principles" / "performance" / "eager-loading.md"


MIGRATIONS_DIR = REPO_ROOT / "snippets" / "migrations"


def _foreign_keys_and_indexes(
    sql: str,
) -> tuple[set[tuple[str, str]], dict[str, tuple[str, list[str]]]]:
    """(table, column) of every foreign key; index name -> (table, columns)."""
    foreign_keys = set()
    for table, body in re.findall(r'CREATE TABLE "(\w+)" \((.*?)\n\);', sql, re.S):
        for column in re.findall(r'FOREIGN KEY \("(\w+)"\)', body):
            foreign_keys.add((table, column))
    indexes = {
        name: (table, re.findall(r'"(\w+)"', columns))
        for name, table, columns in re.findall(
            r'CREATE INDEX "(\w+)" ON "(\w+)" \(([^)]*)\)', sql
        )
    }
    return foreign_keys, indexes


def test_every_foreign_key_column_leads_an_index_as_the_eager_loading_page_says() -> (
    None
):
    sql = "\n".join(path.read_text() for path in sorted(MIGRATIONS_DIR.glob("*.sql")))
    foreign_keys, indexes = _foreign_keys_and_indexes(sql)

    assert foreign_keys == {("orders", "user_id"), ("order_items", "order_id")}
    leading = {(table, columns[0]) for table, columns in indexes.values()}
    assert foreign_keys <= leading
    assert indexes["ix_order_items_order_id"] == ("order_items", ["order_id"])
    assert indexes["ix_orders_user_id_id"] == ("orders", ["user_id", "id"])
    page_text = prose(EAGER_PAGE)
    assert "`ix_order_items_order_id` on `order_items (order_id)`" in page_text
    assert "`ix_orders_user_id_id` on `orders (user_id, id)`" in page_text
    assert "Every foreign key column leads an index." in page_text


# Every single-column foreign key of the schema, and the leading column of
# every index, as PostgreSQL has them once the migrations have run: a key
# added by ALTER TABLE, which a reading of CREATE TABLE misses, is here too.
_FOREIGN_KEY_COLUMNS = text("""
    SELECT c.conrelid::regclass::text, a.attname
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
""")
_LEADING_INDEX_COLUMNS = text("""
    SELECT i.indrelid::regclass::text, a.attname
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE t.relnamespace = 'public'::regnamespace
""")


async def test_every_foreign_key_of_the_migrated_database_leads_an_index(
    connection: AsyncConnection,
) -> None:
    foreign_keys = {
        (table, column)
        for table, column in await connection.execute(_FOREIGN_KEY_COLUMNS)
    }
    leading = {
        (table, column)
        for table, column in await connection.execute(_LEADING_INDEX_COLUMNS)
    }

    assert foreign_keys  # the query finds the keys the schema has
    assert foreign_keys - leading == set()


async def test_the_pages_minimal_orders_load_every_item_in_one_more_query(
    create_database: DatabaseFactory,
) -> None:
    engine = create_async_engine(await create_database())
    async with engine.begin() as connection:
        await connection.run_sync(minimal.Base.metadata.create_all)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        orders_of = {
            customer: [
                minimal.Order(
                    customer=customer,
                    items=[
                        minimal.OrderItem(sku="MUG-BLUE", quantity=n) for n in (1, 2)
                    ],
                )
                for _ in range(30)
            ]
            for customer in ("ada@example.com", "grace@example.com")
        }
        session.add_all(orders_of["ada@example.com"] + orders_of["grace@example.com"])
        await session.commit()
        adas_latest = sorted((o.id for o in orders_of["ada@example.com"]), reverse=True)
        session.expunge_all()  # what a new request's session starts from

        with count_statements(await session.connection()) as statements:
            orders = await minimal.latest_orders(session, "ada@example.com")
        try:
            items = [sorted(item.quantity for item in order.items) for order in orders]
        except InvalidRequestError as error:
            pytest.fail(f"the query did not load the items: {error}")

        # Ada's latest 20 and all of their items: two queries, not 21.
        assert [order.id for order in orders] == adas_latest[:20]
        assert items == [[1, 2]] * 20
        assert len(statements) == 2
        assert " IN (" in statements[1]

        # Without the option, lazy="raise" refuses the read: no hidden query.
        session.expunge_all()
        bare = (await session.scalars(select(minimal.Order).limit(1))).one()
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = bare.items
    await engine.dispose()
