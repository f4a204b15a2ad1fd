"""A database's schema as text, to compare two databases built two ways."""

import shutil
import subprocess

from tests.support.app_role import libpq_url


def schema_dump(url: str) -> list[str]:
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
            libpq_url(url),
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
