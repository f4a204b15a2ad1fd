"""Evidence for STACK-POSTGRES: what PostgreSQL enforces that SQLite lets through.

Each statement runs against the real PostgreSQL the suite starts, on the
migrated schema, inside the test's rolled-back transaction.
"""

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.pages import block_titled

PAGE = DOCS_DIR / "principles" / "stack" / "postgresql.md"
QUOTED_ERRORS = "Output of the three INSERTs on PostgreSQL"


# --8<-- [start:postgres-rejects]
@pytest.mark.parametrize(
    ("values", "error"),
    [
        ("'TEA-001', 'two', 450", 'invalid input syntax for type integer: "two"'),
        (f"'{'T' * 100}', 2, 450", "value too long for type character varying(64)"),
        (
            "'TEA-001', 0, 450",
            'violates check constraint "ck_order_items_quantity_positive"',
        ),
    ],
)
async def test_postgresql_rejects_what_the_schema_does_not_allow(
    session: AsyncSession, values: str, error: str
) -> None:
    insert = f"INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES (1, {values})"  # noqa: S608 - fixed test data

    with pytest.raises(DBAPIError, match=error.replace("(", r"\(").replace(")", r"\)")):
        async with session.begin_nested():
            await session.execute(text(insert))
    # --8<-- [end:postgres-rejects]


async def test_the_page_quotes_postgresqls_messages(session: AsyncSession) -> None:
    messages = []
    for values in (
        "'TEA-001', 'two', 450",
        f"'{'T' * 100}', 2, 450",
        "'TEA-001', 0, 450",
    ):
        insert = f"INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES (1, {values})"  # noqa: S608 - fixed test data
        with pytest.raises(DBAPIError) as error:
            async with session.begin_nested():
                await session.execute(text(insert))
        assert error.value.orig is not None
        messages.append(str(error.value.orig.__cause__).splitlines()[0])

    assert block_titled(PAGE, QUOTED_ERRORS).source.splitlines() == messages


def test_sqlite_would_have_stored_the_first_two() -> None:
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute(
            "CREATE TABLE order_items (sku VARCHAR(64) NOT NULL, quantity INTEGER NOT NULL)"
        )
        db.execute("INSERT INTO order_items VALUES (?, ?)", ("T" * 100, "two"))
        stored = db.execute("SELECT length(sku), typeof(quantity) FROM order_items")

        assert stored.fetchone() == (100, "text")


async def test_the_schema_uses_identity_columns_and_timestamptz(
    session: AsyncSession,
) -> None:
    rows = (
        await session.execute(
            text(
                "SELECT table_name, column_name, is_identity, data_type"
                " FROM information_schema.columns"
                " WHERE table_schema = 'public' AND column_name IN ('id', 'created_at')"
            )
        )
    ).all()

    assert {(r.table_name, r.is_identity) for r in rows if r.column_name == "id"} == {
        ("users", "YES"),
        ("orders", "YES"),
        ("order_items", "YES"),
        ("products", "YES"),
    }
    assert {r.data_type for r in rows if r.column_name == "created_at"} == {
        "timestamp with time zone"
    }


def test_the_test_fixtures_drop_their_databases_with_force() -> None:
    fixtures = (REPO_ROOT / "tests" / "support" / "shop_fixtures.py").read_text()
    assert 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' in fixtures


def test_sqlite_appears_only_where_the_settings_refuse_it() -> None:
    mentions = [
        (path.relative_to(REPO_ROOT).as_posix(), line.strip())
        for root in ("snippets", "tests/service")
        for path in (REPO_ROOT / root).rglob("*.py")
        for line in path.read_text().splitlines()
        if "sqlite" in line.lower()
    ]

    assert mentions == [
        (
            "tests/service/test_settings.py",
            '({"database_url": "sqlite:///shop.db"}, "database_url"),',
        )
    ]
