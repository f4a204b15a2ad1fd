"""Specification of the schema's migrations and their tooling."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shop.core.config import get_settings
from shop.shared.base_model import Base
from tests.service.atlas_sum import atlas_sum
from tests.support.shop_fixtures import MIGRATIONS_DIR, DatabaseFactory, load_script

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


def _libpq_url(url: str) -> str:
    dsn: str = apply_migrations.asyncpg_dsn(url)
    return dsn


def _schema_dump(url: str) -> list[str]:
    """``pg_dump --schema-only`` of the public schema, without noise."""
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is not on PATH (apt-get install postgresql-client)"
    dump = subprocess.run(  # our own arguments
        [
            pg_dump,
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--schema=public",
            _libpq_url(url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        line
        for line in dump.splitlines()
        # Comments, session SETs and pg_dump 15.14+'s random \restrict keys
        # differ between any two dumps; the DDL is what must match.
        if line.strip()
        and not line.startswith(
            ("--", "SET ", "SELECT pg_catalog.set_config", "\\restrict", "\\unrestrict")
        )
    ]


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
    connection = await asyncpg.connect(_libpq_url(url))
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
    connection = await asyncpg.connect(_libpq_url(url))
    try:
        assert await connection.fetchval("SELECT to_regclass('public.second')") is None
    finally:
        await connection.close()


async def test_editing_an_applied_migration_is_refused(
    create_database: DatabaseFactory, tmp_path: Path
) -> None:
    url = await create_database()
    migration = tmp_path / "20000101000000_first.sql"
    migration.write_text("CREATE TABLE first (id int);\n")
    await apply_migrations.apply_migrations(url, tmp_path)
    migration.write_text("CREATE TABLE first (id bigint);\n")

    with pytest.raises(
        apply_migrations.MigrationError, match="changed after it was applied"
    ):
        await apply_migrations.apply_migrations(url, tmp_path)


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


async def test_the_command_line_defaults_to_database_url_from_settings(
    create_database: DatabaseFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    url = await create_database()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("JWT_SECRET", "x" * 32)
    get_settings.cache_clear()
    try:
        await _in_thread(apply_migrations.main, ["--dir", str(MIGRATIONS_DIR)])
    finally:
        get_settings.cache_clear()

    assert capsys.readouterr().out.startswith("applied ")


async def _in_thread(function: Any, *args: Any) -> None:
    import asyncio

    await asyncio.to_thread(function, *args)


# --- load_models.py ---------------------------------------------------------------------


def test_load_models_lists_every_table_of_the_metadata() -> None:
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
