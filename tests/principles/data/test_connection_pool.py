"""Evidence for DB-POOL: the pool is sized for the server and every wait is bounded.

Each test reproduces a claim docs/principles/data/connection-pool.md makes,
against the real libraries, the service's engine and a real PostgreSQL.
"""

import inspect

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.database import create_engine
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "data" / "connection-pool.md"
NUMBERS = {8: "eight", 9: "nine", 10: "ten"}
ORDINALS = {9: "ninth", 10: "tenth", 11: "eleventh"}


def test_the_library_defaults_are_what_the_page_says() -> None:
    pool_timeout = inspect.signature(QueuePool).parameters["timeout"].default
    connect = inspect.signature(asyncpg.connect).parameters
    assert pool_timeout == 30
    assert connect["timeout"].default == 60
    assert connect["command_timeout"].default is None  # unbounded
    page = prose(PAGE)
    assert (
        "30 s (SQLAlchemy's `pool_timeout`), 60 s (asyncpg's connect `timeout`)" in page
    )
    assert (
        "unbounded (asyncpg's `command_timeout`, PostgreSQL's `statement_timeout`)"
        in page
    )


async def test_the_servers_defaults_and_the_connection_budget(
    connection: AsyncConnection,
) -> None:
    defaults: dict[str, str] = dict(
        (
            await connection.execute(
                text(
                    "SELECT name, boot_val FROM pg_settings WHERE name IN "
                    "('max_connections', 'superuser_reserved_connections', "
                    "'statement_timeout')"
                )
            )
        ).all()
    )
    assert defaults == {
        "max_connections": "100",
        "superuser_reserved_connections": "3",
        "statement_timeout": "0",  # 0 = no limit
    }
    fields = Settings.model_fields
    pool_size = fields["database_pool_size"].default
    max_overflow = fields["database_max_overflow"].default
    per_process = pool_size + max_overflow
    # What a role that is not a superuser may open (PostgreSQL 16 adds
    # reserved_connections, default 0, which would come off this too).
    available = int(defaults["max_connections"]) - int(
        defaults["superuser_reserved_connections"]
    )
    workers = available // per_process
    page = prose(PAGE)
    assert "(100 by default, 3 of them reserved for superusers)" in page
    assert f"may open {available}." in page
    assert f"defaults of {pool_size} + {max_overflow}" in page
    assert (
        f"{NUMBERS[workers]} worker processes at full pool hold "
        f"{workers * per_process} of those {available} connections, and a "
        f"{ORDINALS[workers + 1]} would need {(workers + 1) * per_process}"
    ) in page
    assert (workers + 1) * per_process > available >= workers * per_process


async def test_the_services_engine_applies_every_bound(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool._max_overflow, pool._timeout) == (5, 5, 2.0)
        assert pool._pre_ping
        assert engine.sync_engine.hide_parameters
        async with engine.connect() as conn:
            shown = (await conn.execute(text("SHOW statement_timeout"))).scalar()
            name = (await conn.execute(text("SHOW application_name"))).scalar()
    finally:
        await engine.dispose()
    assert (shown, name) == ("4s", "shop")
    assert "`SHOW statement_timeout` on a connection the app opened says `4s`" in (
        prose(PAGE)
    )
