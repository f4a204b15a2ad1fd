"""Apply pending SQL migrations from ``migrations/``, like ``atlas migrate apply``.

For machines without the Atlas CLI. Each file runs in its own transaction
together with the row that records it, so a failed file leaves nothing
half-applied, and running the script again applies only what is pending.
Runs started together (two deploy jobs, replicas migrating in init
containers) take turns: each applies only what the ones before it left.

    uv run python scripts/apply_migrations.py                 # DATABASE_URL, or from .env
    uv run python scripts/apply_migrations.py --database-url postgresql://...
"""

import argparse
import asyncio
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import PostgresDsn, Secret, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from shop.core.config import asyncpg_query

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# The key of the session-level advisory lock a run holds from connecting to
# closing, so that concurrent runs take turns instead of both reading the
# same pending files and both applying them. Any fixed bigint will do, as
# long as nothing else in the database locks it: this one spells "shopmigr"
# in ASCII. Advisory locks are per database, so runs against two databases
# on one server do not wait for each other.
MIGRATION_LOCK_KEY = 0x73686F706D696772

# How long one statement of a migration may wait for a lock. ALTER TABLE
# needs an ACCESS EXCLUSIVE lock, and while it waits behind a long
# transaction every query on that table queues behind it: the app stalls
# for as long as the migration waits. Giving up after a few seconds turns
# that outage into a failed deploy to retry.
LOCK_TIMEOUT = "5s"

# How long to wait for the server to accept the connection at all.
CONNECT_TIMEOUT_SECONDS = 10

# Its own schema, so that the application schema (public) compares equal to
# one built from the models, and the name cannot clash with Atlas's table.
_CREATE_REVISIONS = """
CREATE SCHEMA IF NOT EXISTS shop_meta;
CREATE TABLE IF NOT EXISTS shop_meta.schema_revisions (
    version text PRIMARY KEY,
    description text NOT NULL,
    sha256 text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


class MigrationError(Exception):
    """A migration cannot be applied: the directory and the database's
    history disagree, or the file waited too long for a lock."""


def migration_files(directory: Path) -> list[Path]:
    """The ``<version>_<description>.sql`` files, in the order they apply."""
    return sorted(directory.glob("*.sql"))


def asyncpg_connect_args(database_url: str) -> dict[str, Any]:
    """What ``asyncpg.connect`` takes for ``database_url``, read as the app reads it.

    The query goes through the app's translation (``asyncpg_query``:
    ``sslmode`` becomes ``ssl``, and a parameter asyncpg has no keyword for
    is refused by name), then through SQLAlchemy's asyncpg dialect, which
    makes the keyword arguments the app's engine passes to asyncpg. Handing
    asyncpg the URL as a DSN instead would send ``ssl=require`` and
    ``command_timeout=5`` to the server as settings, which it refuses.
    """
    url = make_url(database_url).set(drivername="postgresql+asyncpg")
    url = url.set(query=asyncpg_query(url.query))
    _, arguments = url.get_dialect()().create_connect_args(url)
    # The size of SQLAlchemy's own statement cache: nothing asyncpg takes.
    arguments.pop("prepared_statement_cache_size", None)
    return dict(arguments)


async def apply_migrations(
    database_url: str, directory: Path = MIGRATIONS_DIR
) -> list[str]:
    """Apply every migration not yet recorded; return the versions applied.

    Raises ``MigrationError`` if an applied file was edited afterwards
    (re-running it would not reproduce the database other machines have),
    or if a file waited longer than ``LOCK_TIMEOUT`` for a lock.
    """
    connection = await asyncpg.connect(
        **asyncpg_connect_args(database_url), timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        # Waits for any other run to finish; released when the connection
        # closes, however this run ends.
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        await connection.execute(_CREATE_REVISIONS)
        # Read only now, holding the lock: what an earlier run applied counts.
        rows = await connection.fetch(
            "SELECT version, sha256 FROM shop_meta.schema_revisions"
        )
        applied = {row["version"]: row["sha256"] for row in rows}
        newly_applied: list[str] = []
        for path in migration_files(directory):
            version, _, description = path.stem.partition("_")
            sql = path.read_text(encoding="utf-8")
            digest = hashlib.sha256(sql.encode()).hexdigest()
            if version in applied:
                if applied[version] != digest:
                    raise MigrationError(f"{path.name} changed after it was applied")
                continue
            try:
                async with connection.transaction():
                    # SET LOCAL, for this file's transaction only, with the
                    # value as a bound parameter.
                    await connection.execute(
                        "SELECT set_config('lock_timeout', $1, true)", LOCK_TIMEOUT
                    )
                    # Without arguments asyncpg uses the simple query protocol,
                    # which runs a file of several statements in one call.
                    await connection.execute(sql)
                    await connection.execute(
                        "INSERT INTO shop_meta.schema_revisions"
                        " (version, description, sha256) VALUES ($1, $2, $3)",
                        version,
                        description,
                        digest,
                    )
            except asyncpg.LockNotAvailableError as error:
                raise MigrationError(
                    f"{path.name} waited more than {LOCK_TIMEOUT} for a lock"
                    f" ({error}), so nothing of it was applied: another session"
                    " holds a lock on a table it changes, often a long"
                    " transaction. Run the migrations again once that ends."
                ) from error
            newly_applied.append(version)
        return newly_applied
    finally:
        await connection.close()


class MigrationSettings(BaseSettings):
    """What a migration reads from the environment or ``.env``: the URL.

    Not the app's ``Settings``, which will not load without the app's own
    secrets (``JWT_SECRET``): a migration job is given the owner's URL and
    nothing else it does not use.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Typed as the app's setting is (shop/core/config.py), the password hidden.
    database_url: Secret[PostgresDsn]


def _database_url_from_the_environment() -> str:
    try:
        return str(MigrationSettings().database_url.get_secret_value())
    except ValidationError as error:
        [problem] = error.errors(include_input=False)
        if problem["type"] != "missing":
            # The message, never the URL: it holds the password.
            raise SystemExit(
                f"apply_migrations: DATABASE_URL: {problem['msg']}"
            ) from None
        raise SystemExit(
            "apply_migrations: DATABASE_URL is not set (the environment or .env): "
            "set it, or pass --database-url"
        ) from None


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="defaults to DATABASE_URL (the environment, or .env)"
    )
    parser.add_argument(
        "--dir", type=Path, default=MIGRATIONS_DIR, help="migration directory"
    )
    args = parser.parse_args(argv)
    database_url = args.database_url or _database_url_from_the_environment()
    try:
        versions = asyncio.run(apply_migrations(database_url, args.dir))
    except asyncpg.InsufficientPrivilegeError as error:
        # The URL .env holds is the app's role, which may not change the
        # schema (db/app_role.sql): the likeliest cause, so say it.
        raise SystemExit(
            f"apply_migrations: {error}. Migrations run as the role that owns "
            "the tables (postgres in `task migrate`), not as the app's role: "
            "give that role's URL with --database-url."
        ) from None
    except ValueError as error:
        # A URL parameter the app would refuse too (asyncpg_query names it;
        # its message never holds the URL, so never the password).
        raise SystemExit(f"apply_migrations: {error}") from None
    except (MigrationError, asyncpg.PostgresError, OSError, TimeoutError) as error:
        # One line an operator can act on, not a traceback through asyncpg.
        # Neither asyncpg's nor the OS's messages repeat the URL's password.
        reason = str(error) or f"no answer in {CONNECT_TIMEOUT_SECONDS} s"
        raise SystemExit(
            f"apply_migrations: {type(error).__name__}: {reason}"
        ) from None
    for version in versions:
        print(f"applied {version}")
    if not versions:
        print("no pending migrations")


if __name__ == "__main__":  # pragma: no cover
    main()
