"""The app's database role, made by ``snippets/db/app_role.sql``.

``task db-start`` and compose's postgres service both create the role with
that one file; the tests run it the way they do, with psql, against a real
throwaway database, then use the role as the app would.
"""

import base64
import hashlib
import hmac
import os
import shutil
import subprocess
from collections.abc import Mapping

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from shop.core.config import Settings
from shop.core.main import create_app
from shop.shared.base_model import Base
from tests.support.shop_fixtures import (
    PASSWORD,
    SNIPPETS_DIR,
    client_for,
    on_database,
)
from throwaway.postgres import pinned_major

APP_ROLE_SQL = SNIPPETS_DIR / "db" / "app_role.sql"
PSQL_TIMEOUT_SECONDS = 60


def libpq_url(url: str) -> str:
    """A URL psql and asyncpg accept, from any SQLAlchemy PostgreSQL URL
    without query parameters (the tests' own databases have none)."""
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def run_app_role_sql(database_url: str, environment: Mapping[str, str]) -> None:
    """Run app_role.sql with psql as the postgres image's entrypoint does:
    ``-v ON_ERROR_STOP=1 --no-psqlrc``, with ``environment`` added to the
    process environment (and no SHOP_APP_PASSWORD but the one it names)."""
    psql = shutil.which("psql")
    package = f"postgresql-client-{pinned_major()}"
    assert psql, f"psql is not on PATH (apt-get install {package})"
    inherited = {k: v for k, v in os.environ.items() if k != "SHOP_APP_PASSWORD"}
    result = subprocess.run(  # our own arguments
        [psql, "-v", "ON_ERROR_STOP=1", "--no-psqlrc", "--quiet",
         "--file", str(APP_ROLE_SQL), libpq_url(database_url)],
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=PSQL_TIMEOUT_SECONDS,
    )  # fmt: skip
    assert result.returncode == 0, f"{APP_ROLE_SQL}: psql failed:\n{result.stderr}"


def scram_verifier_matches(verifier: str, password: str) -> bool:
    """Whether a ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``
    verifier from pg_authid is the one ``password`` gives (RFC 5802; an
    ASCII password is its own SASLprep form)."""
    method, iterations_and_salt, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256", verifier
    iterations, salt = iterations_and_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return hmac.compare_digest(
        base64.b64decode(stored_key), hashlib.sha256(client_key).digest()
    )


# Each needs a privilege the role must not have: it would change the schema,
# create a table (a temporary one too: PostgreSQL grants TEMPORARY to PUBLIC),
# empty or delete rows wholesale, or record a migration that never ran.
FORBIDDEN = (
    "CREATE TABLE notes (id int)",
    "CREATE TEMP TABLE notes (id int)",
    "ALTER TABLE users ADD COLUMN nickname text",
    "DROP TABLE users",
    "TRUNCATE order_items",
    "DELETE FROM orders",
    # A role that could record a revision could make readiness lie.
    "INSERT INTO shop_meta.schema_revisions VALUES ('29991231000000', 'x', 'x')",
)


async def assert_rows_but_not_schema(settings: Settings, as_role: str) -> None:
    """The service, connected as ``as_role``, is ready, registers, signs in
    and lists orders; the role may read and write every table of the models,
    read the migrations' record, and cannot create a table (not even a
    temporary one), alter, drop, truncate or delete, nor is it a superuser."""
    app = create_app(on_database(settings, as_role))
    async with client_for(app) as client:
        # Readiness reads the revisions table, in a schema of its own.
        ready = await client.get("/health/ready")
        email = f"role-check-{os.urandom(4).hex()}@example.com"
        signup = {"email": email, "name": "Ada", "password": PASSWORD}
        registered = await client.post("/users", json=signup)
        signed_in = await client.post(
            "/auth/token", data={"username": email, "password": PASSWORD}
        )
        token = signed_in.json()["access_token"]
        orders = await client.get(
            "/orders", headers={"Authorization": f"Bearer {token}"}
        )
    statuses = [ready, registered, signed_in, orders]
    assert [r.status_code for r in statuses] == [200, 201, 200, 200], ready.text
    connection = await asyncpg.connect(libpq_url(as_role))
    try:
        assert await connection.fetchval("SELECT current_user") == (
            make_url(as_role).username
        )
        assert not await connection.fetchval(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        for table in Base.metadata.tables:
            for privilege in ("SELECT", "INSERT", "UPDATE"):
                assert await connection.fetchval(
                    "SELECT has_table_privilege($1, $2)", table, privilege
                ), f"the app's role has no {privilege} on {table}"
        for statement in FORBIDDEN:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
    finally:
        await connection.close()
