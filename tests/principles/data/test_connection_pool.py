"""Evidence for DB-POOL: the pool is sized for the server and every wait is bounded.

Each test reproduces a claim docs/principles/data/connection-pool.md makes,
against the real libraries, the service's engine and a real PostgreSQL.
"""

import ast
import asyncio
import inspect

import asyncpg
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import QueuePool

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.database import create_engine
from tests.support.db_proxy import database_proxy
from tests.support.pages import prose
from tests.support.source_code import source_python_files

PAGE = DOCS_DIR / "principles" / "data" / "connection-pool.md"
NUMBERS = {8: "eight", 9: "nine", 10: "ten"}
ORDINALS = {9: "ninth", 10: "tenth", 11: "eleventh"}
FROZEN_SECONDS = 6  # longer than each wait the service bounds (5 s at most by default)


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


async def test_at_the_library_defaults_a_frozen_database_holds_a_statement_until_it_thaws(
    server_url: str,
) -> None:
    """An engine with no bound of its own, behind a proxy that stops passing
    bytes: the statement in flight neither fails nor ends until the proxy
    passes them again."""
    async with database_proxy(server_url) as proxy:
        url = make_url(proxy.url()).set(drivername="postgresql+asyncpg")
        engine = create_async_engine(url)  # every wait at the libraries' defaults
        try:
            async with engine.connect() as connection:
                assert (await connection.scalar(text("SELECT 1"))) == 1
                proxy.freeze()
                in_flight = asyncio.create_task(connection.scalar(text("SELECT 2")))
                # Longer than any bound the service sets; no default ends it.
                done, _ = await asyncio.wait([in_flight], timeout=FROZEN_SECONDS)
                held = not done
                proxy.thaw()
                async with asyncio.timeout(30):
                    answer = await in_flight
        finally:
            await engine.dispose()

    assert held
    assert answer == 2  # the same statement, answered once the database was back


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


def test_the_sources_engine_sets_pool_pre_ping_and_nothing_else() -> None:
    database_py = source_python_files()["database.py"]
    [call] = [
        node
        for node in ast.walk(ast.parse(database_py))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "create_async_engine"
    ]

    assert len(call.args) == 1  # the URL
    keywords = [(k.arg, ast.literal_eval(k.value)) for k in call.keywords]
    assert keywords == [("pool_pre_ping", True)]
    assert (
        "The source's `database.py` creates its engine with `pool_pre_ping=True`"
        in prose(PAGE)
    )
