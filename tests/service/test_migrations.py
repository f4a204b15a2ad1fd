"""Specification of the schema's migrations and their tooling."""

import asyncio
import importlib
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import shop
from shop.core.config import Settings
from shop.shared.base_model import Base
from tests.support.app_role import libpq_url
from tests.support.atlas_sum import atlas_sum
from tests.support.database_schema import (
    schema_dump as _schema_dump,  # a page shows this name
)
from tests.support.shop_fixtures import MIGRATIONS_DIR, DatabaseFactory, load_script
from throwaway.ports import free_port

FIXTURES = Path(__file__).parent / "fixtures"
apply_migrations = load_script("apply_migrations")
load_models = load_script("load_models")


# --- atlas.sum ----------------------------------------------------------------------


# --8<-- [start:atlas-sum]
def test_atlas_sum_implementation_reproduces_a_file_written_by_atlas() -> None:
    directory = FIXTURES / "atlas_sum_tinyurl"

    assert atlas_sum(directory) == (directory / "atlas.sum").read_text()


def test_atlas_sum_of_the_project_matches_its_migration_files() -> None:
    # Fails when a migration is edited or added without re-hashing, which
    # `atlas migrate apply` would refuse to run.
    assert (MIGRATIONS_DIR / "atlas.sum").read_text() == atlas_sum(MIGRATIONS_DIR)
    # --8<-- [end:atlas-sum]


def test_migration_files_are_named_by_a_14_digit_version() -> None:
    names = [path.name for path in MIGRATIONS_DIR.glob("*.sql")]

    assert names
    assert all(re.fullmatch(r"\d{14}_[a-z0-9_]+\.sql", name) for name in names)


# --- migrations match the models ------------------------------------------------------


# --8<-- [start:migrations-match-models]
async def test_the_migrations_build_exactly_the_schema_the_models_describe(
    create_database: DatabaseFactory,
) -> None:
    migrated, modelled = await create_database(), await create_database()
    await apply_migrations.apply_migrations(migrated, MIGRATIONS_DIR)
    engine = create_async_engine(modelled)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()

    migrated_schema, modelled_schema = _schema_dump(migrated), _schema_dump(modelled)

    assert any(
        line.startswith("CREATE TABLE public.orders") for line in modelled_schema
    )
    assert migrated_schema == modelled_schema
    # --8<-- [end:migrations-match-models]


# --- apply_migrations.py ----------------------------------------------------------------


async def _revisions(url: str) -> list[tuple[str, str]]:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        rows = await connection.fetch(
            "SELECT version, description FROM shop_meta.schema_revisions ORDER BY version"
        )
    finally:
        await connection.close()
    return [(row["version"], row["description"]) for row in rows]


async def test_applying_migrations_records_each_version_and_rerunning_is_a_no_op(
    create_database: DatabaseFactory,
) -> None:
    url = await create_database()

    first = await apply_migrations.apply_migrations(url, MIGRATIONS_DIR)
    second = await apply_migrations.apply_migrations(url, MIGRATIONS_DIR)

    assert first == [
        path.stem.split("_")[0] for path in sorted(MIGRATIONS_DIR.glob("*.sql"))
    ]
    assert second == []
    assert [version for version, _ in await _revisions(url)] == first


async def test_only_pending_migrations_are_applied(
    create_database: DatabaseFactory, tmp_path: Path
) -> None:
    url = await create_database()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, tmp_path)
    await apply_migrations.apply_migrations(url, tmp_path)
    (tmp_path / "29991231000000_add_order_note.sql").write_text(
        'ALTER TABLE "orders" ADD COLUMN "note" text NULL;\n'
    )

    applied = await apply_migrations.apply_migrations(url, tmp_path)

    assert applied == ["29991231000000"]
    assert (await _revisions(url))[-1] == ("29991231000000", "add_order_note")


async def test_a_failing_migration_leaves_nothing_behind(
    create_database: DatabaseFactory, tmp_path: Path
) -> None:
    url = await create_database()
    (tmp_path / "20000101000000_first.sql").write_text("CREATE TABLE first (id int);\n")
    (tmp_path / "20000102000000_broken.sql").write_text(
        "CREATE TABLE second (id int);\nCREATE TABLE oops (;\n"
    )

    with pytest.raises(asyncpg.PostgresSyntaxError):
        await apply_migrations.apply_migrations(url, tmp_path)

    assert await _revisions(url) == [("20000101000000", "first")]
    connection = await asyncpg.connect(libpq_url(url))
    try:
        assert await connection.fetchval("SELECT to_regclass('public.second')") is None
    finally:
        await connection.close()


async def test_two_runs_started_together_apply_each_migration_once(
    create_database: DatabaseFactory, tmp_path: Path
) -> None:
    url = await create_database()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, tmp_path)
    # A first file that takes a while, as a backfill would: the second run
    # has long connected by the time the first commits anything.
    (tmp_path / "20000101000000_backfill.sql").write_text("SELECT pg_sleep(1);\n")
    versions = [
        path.stem.split("_")[0] for path in apply_migrations.migration_files(tmp_path)
    ]

    # As two deploy jobs, or two replicas' init containers, would.
    outcomes = await asyncio.gather(
        apply_migrations.apply_migrations(url, tmp_path),
        apply_migrations.apply_migrations(url, tmp_path),
        return_exceptions=True,
    )

    # Both succeed: one applied every file, the other waited and found none
    # pending.
    assert list(outcomes) in ([versions, []], [[], versions])
    assert [version for version, _ in await _revisions(url)] == versions


# Without a lock timeout the run would wait as long as the other session
# holds its lock: here, for ever.
HANG_GUARD_SECONDS = 30


async def test_a_migration_blocked_by_a_lock_gives_up_naming_its_file(
    create_database: DatabaseFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apply_migrations, "LOCK_TIMEOUT", "200ms")
    url = await create_database()
    (tmp_path / "20000101000000_orders.sql").write_text(
        "CREATE TABLE orders (id int);\n"
    )
    await apply_migrations.apply_migrations(url, tmp_path)
    (tmp_path / "20000102000000_order_notes.sql").write_text(
        "CREATE TABLE order_notes (id int);\nALTER TABLE orders ADD COLUMN note text;\n"
    )
    # A long transaction that read the table: it holds a lock on it until it
    # ends, which the ALTER TABLE has to wait for.
    reader = await asyncpg.connect(libpq_url(url))
    try:
        async with reader.transaction():
            await reader.fetch("SELECT * FROM orders")
            run = asyncio.create_task(apply_migrations.apply_migrations(url, tmp_path))
            done, _ = await asyncio.wait([run], timeout=HANG_GUARD_SECONDS)
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
    finally:
        await reader.close()

    assert run in done, f"still waiting for the lock after {HANG_GUARD_SECONDS} s"
    failure = run.exception()
    assert isinstance(failure, apply_migrations.MigrationError)
    assert str(failure).startswith(
        "20000102000000_order_notes.sql waited more than 200ms for a lock"
        " (canceling statement due to lock timeout), so nothing of it was applied"
    )
    assert await _revisions(url) == [("20000101000000", "orders")]
    connection = await asyncpg.connect(libpq_url(url))
    try:
        assert await connection.fetchval("SELECT to_regclass('order_notes')") is None
    finally:
        await connection.close()


async def test_connecting_gives_up_after_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that accepts the connection and never answers it.
    async def silent(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.read()  # until the client hangs up
        writer.close()

    monkeypatch.setattr(apply_migrations, "CONNECT_TIMEOUT_SECONDS", 0.2)
    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        run = asyncio.create_task(
            apply_migrations.apply_migrations(
                f"postgresql://shop@127.0.0.1:{port}/shop"
            )
        )
        done, _ = await asyncio.wait([run], timeout=HANG_GUARD_SECONDS)
        run.cancel()

    assert run in done, f"still connecting after {HANG_GUARD_SECONDS} s"
    assert isinstance(run.exception(), TimeoutError)


async def test_the_command_line_applies_and_reports(
    create_database: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await create_database()

    # main() runs its own event loop, as it does from a shell.
    await _in_thread(apply_migrations.main, ["--database-url", url])
    await _in_thread(apply_migrations.main, ["--database-url", url])

    assert capsys.readouterr().out.splitlines() == [
        *(
            f"applied {path.stem.split('_')[0]}"
            for path in sorted(MIGRATIONS_DIR.glob("*.sql"))
        ),
        "no pending migrations",
    ]


async def test_the_command_line_needs_only_database_url_from_the_environment(
    create_database: DatabaseFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # A migration job is given the owner's URL, not the app's secrets: the
    # app's Settings would refuse to load without JWT_SECRET.
    url = await create_database()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("JWT_SECRET", raising=False)

    await _in_thread(apply_migrations.main, ["--dir", str(MIGRATIONS_DIR)])

    assert capsys.readouterr().out.startswith("applied ")


def test_the_command_line_with_a_database_url_not_postgresql_says_so_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    hidden = "hunter2" * 2
    monkeypatch.setenv("DATABASE_URL", "mysql://shop:" + hidden + "@db.internal/shop")

    with pytest.raises(SystemExit) as stopped:
        apply_migrations.main([])

    message = str(stopped.value.code)
    assert message.startswith("apply_migrations: DATABASE_URL: URL scheme should be")
    assert hidden not in message


def test_the_command_line_without_any_database_url_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(SystemExit) as stopped:
        apply_migrations.main([])

    assert stopped.value.code == (
        "apply_migrations: DATABASE_URL is not set (the environment or .env): "
        "set it, or pass --database-url"
    )


async def test_the_app_roles_url_is_refused_in_one_line_naming_the_owner_role(
    create_database: DatabaseFactory,
) -> None:
    # DATABASE_URL in .env is the app's role, which may read and write rows
    # but not change the schema; the script's default URL is that one.
    url = await create_database()
    role = f"app_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(libpq_url(url))
    try:
        # PostgreSQL 15's defaults: it may connect, not create a schema.
        await owner.execute(f'CREATE ROLE "{role}" LOGIN')
    finally:
        await owner.close()
    as_app = make_url(url).set(username=role).render_as_string(hide_password=False)

    with pytest.raises(SystemExit) as stopped:
        await _in_thread(apply_migrations.main, ["--database-url", as_app])

    message = str(stopped.value.code)
    assert message.startswith("apply_migrations: permission denied"), message
    assert "the role that owns the tables" in message
    assert "--database-url" in message
    assert "\n" not in message


async def test_an_unreachable_database_is_one_line_naming_the_address() -> None:
    port = free_port()  # nothing listens there

    with pytest.raises(SystemExit) as stopped:
        await _in_thread(
            apply_migrations.main,
            ["--database-url", f"postgresql://shop:hunter2@127.0.0.1:{port}/shop"],
        )

    message = str(stopped.value.code)
    assert message.startswith("apply_migrations: ConnectionRefusedError"), message
    assert f"127.0.0.1', {port})" in message
    assert "hunter2" not in message
    assert "\n" not in message


# Parameters the app takes in DATABASE_URL (shop.core.config.asyncpg_query),
# each with a value that works against the tests' local server.
APP_URL_PARAMETERS = (
    "sslmode=disable&command_timeout=5&prepared_statement_cache_size=0"
    "&target_session_attrs=any"
)


async def test_the_script_reads_a_urls_parameters_as_the_app_does(
    create_database: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{await create_database()}?{APP_URL_PARAMETERS}"
    settings = Settings.model_validate({"database_url": url, "jwt_secret": "x" * 32})
    engine = create_async_engine(settings.async_database_url)
    try:
        async with engine.connect() as connection:  # the app connects with it
            assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1
    finally:
        await engine.dispose()

    # As a DSN, asyncpg would send command_timeout to the server as a setting.
    await _in_thread(apply_migrations.main, ["--database-url", url])

    assert capsys.readouterr().out.startswith("applied ")


async def test_a_url_parameter_the_app_refuses_stops_the_script_in_one_line() -> None:
    url = "postgresql://shop:hunter2@127.0.0.1:5433/shop?channel_binding=require"

    with pytest.raises(SystemExit) as stopped:
        await _in_thread(apply_migrations.main, ["--database-url", url])

    message = str(stopped.value.code)
    assert message.startswith(
        "apply_migrations: DATABASE_URL parameter channel_binding: "
    ), message
    assert "hunter2" not in message
    assert "\n" not in message


async def _in_thread(function: Any, *args: Any) -> None:
    import asyncio

    await asyncio.to_thread(function, *args)


# --- load_models.py ---------------------------------------------------------------------


def _import_every_models_module() -> list[str]:
    """Import each ``shop/<domain>/models.py``, even one nothing else imports yet."""
    package = Path(shop.__file__).parent
    names = [
        "shop." + ".".join(path.relative_to(package).with_suffix("").parts)
        for path in sorted(package.rglob("models.py"))
    ]
    for name in names:
        importlib.import_module(name)
    return names


def test_load_models_lists_every_table_of_the_metadata() -> None:
    # Base.metadata holds only the models imported so far: import them all
    # first, so a new domain's models.py that nothing imports still counts.
    assert len(_import_every_models_module()) >= 3

    assert {model.__table__.name for model in load_models.MODELS} == set(
        Base.metadata.tables
    )


def test_load_models_prints_the_ddl_atlas_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_models.main()

    ddl = capsys.readouterr().out
    for table in Base.metadata.tables:
        assert f"CREATE TABLE {table} (" in ddl
    assert "CONSTRAINT ck_order_items_quantity_positive CHECK (quantity > 0)" in ddl
    assert "CREATE INDEX ix_orders_user_id_id ON orders (user_id, id)" in ddl


# --- what create_all() does not do -----------------------------------------------------


# --8<-- [start:create-all-is-not-a-migration]
async def test_create_all_never_changes_an_existing_table(
    create_database: DatabaseFactory,
) -> None:
    class Release1(DeclarativeBase):
        pass

    class Order(Release1):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Release2(DeclarativeBase):
        pass

    # --8<-- [start:lead-create-all]
    class OrderWithNote(Release2):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        note: Mapped[str | None]

    engine = create_async_engine(await create_database())
    async with engine.begin() as connection:  # start-up of release 1
        await connection.run_sync(Release1.metadata.create_all)
    async with engine.begin() as connection:  # start-up of release 2: no error...
        await connection.run_sync(Release2.metadata.create_all)
        columns = await connection.run_sync(
            lambda sync: [c["name"] for c in inspect(sync).get_columns("orders")]
        )
    await engine.dispose()

    assert columns == ["id"]  # ...and no "note" column, ever
    # --8<-- [end:lead-create-all]
    # --8<-- [end:create-all-is-not-a-migration]
