"""The real servers: PostgreSQL and Redis from the ``throwaway`` package.

``throwaway.postgres`` gives a server (``TEST_DATABASE_URL``, a Docker
container, or a throwaway cluster from the local binaries, run as the
``postgres`` user when root) and ``throwaway.redis`` a ``redis-server`` on
a free port; the test suite starts its servers from the same package. A
missing prerequisite stops the run with the provider's message saying how
to get it; nothing is skipped.

The database is created here and migrated with the service's own migration
files (``snippets/scripts/apply_migrations.py``), as the test suite does.
"""

import importlib.util
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.results import REPO_ROOT
from throwaway import postgres as postgres_provider
from throwaway import redis as redis_provider

SCRIPTS_DIR = REPO_ROOT / "snippets" / "scripts"
MIGRATIONS_DIR = REPO_ROOT / "snippets" / "migrations"

NoPostgresError = postgres_provider.NoPostgresError
NoRedisError = redis_provider.NoRedisError


class PrerequisiteError(RuntimeError):
    """A server the benchmarks need is not available; the message says how to get it."""


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL server; yields the URL of its maintenance database."""
    # Under the system temp dir, in a directory others may traverse: as
    # root, the server runs as postgres, which must reach its data directory.
    workdir = Path(tempfile.gettempdir()) / "shop-bench-postgres"
    try:
        with postgres_provider.postgres_server(workdir) as url:
            yield url
    except NoPostgresError as error:
        raise PrerequisiteError(str(error)) from None


@contextmanager
def redis() -> Iterator[str]:
    """A redis-server on a free port; yields its URL."""
    try:
        with redis_provider.redis_server() as server:
            yield server.url
    except NoRedisError as error:
        raise PrerequisiteError(str(error)) from None


def redis_version() -> str:
    return redis_provider.version()


def _apply_migrations_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "apply_migrations", SCRIPTS_DIR / "apply_migrations.py"
    )
    if spec is None or spec.loader is None:
        raise PrerequisiteError(f"cannot load {SCRIPTS_DIR / 'apply_migrations.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@asynccontextmanager
async def migrated_database(server_url: str) -> AsyncIterator[str]:
    """A new database with the service's migrations applied; dropped afterwards."""
    name = f"shop_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name)
        database_url = url.render_as_string(hide_password=False)
        try:
            await _apply_migrations_module().apply_migrations(
                database_url, MIGRATIONS_DIR
            )
            yield database_url
        finally:
            async with admin.connect() as conn:
                await conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
    finally:
        await admin.dispose()


async def postgres_version(database_url: str) -> str:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return str(await conn.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()
