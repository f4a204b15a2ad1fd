"""Evidence for ASYNC-NO-BLOCKING: Nothing blocks the event loop.

Each test reproduces a claim docs/principles/async/no-blocking-calls.md makes,
against the real tool, library or service.
"""

import ast
import secrets
import tomllib
from pathlib import Path

from claims_support import prose, ruff_check_code
from sqlalchemy.ext.asyncio import AsyncEngine

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.fences import find_fences
from shop.core.config import Settings
from shop.core.database import create_engine

ASYNC_PAGES = DOCS_DIR / "principles" / "async"


NO_BLOCKING_PAGE = ASYNC_PAGES / "no-blocking-calls.md"


USERS_SERVICE = REPO_ROOT / "snippets" / "shop" / "users" / "service.py"


BLOCKING_EXPORT = """\
import time

import httpx


def fetch_report() -> str:
    time.sleep(0.2)
    return "report"


async def export_report() -> str:
    time.sleep(0.2)
    httpx.get("https://reports.example.com/2026-11", timeout=10)
    return fetch_report()
"""


def test_ruff_flags_only_the_direct_blocking_calls_as_the_page_shows(
    tmp_path: Path,
) -> None:
    result = ruff_check_code(
        BLOCKING_EXPORT, "example.py", "--select", "ASYNC", cwd=tmp_path
    )

    assert result.returncode == 1, result.stderr
    quoted = next(
        b
        for b in find_fences(NO_BLOCKING_PAGE)
        if b.title == "Output of ruff check --select ASYNC"
    )
    assert quoted.source.strip() == result.stdout.strip(), (
        f"{quoted}: ruff now prints:\n{result.stdout}"
    )
    # Line 14, `return fetch_report()`, calls a sleeping function: not flagged.
    assert "example.py:14" not in result.stdout
    assert "Ruff sees only direct calls: `fetch_report()` is not flagged" in (
        prose(NO_BLOCKING_PAGE)
    )


def test_the_pages_blocking_example_passes_ruff(tmp_path: Path) -> None:
    [dont] = [
        b
        for b in find_fences(NO_BLOCKING_PAGE)
        if b.language == "python" and "# blocks the event loop" in b.source
    ]
    result = ruff_check_code(
        dont.source, "example.py", "--select", "ASYNC", cwd=tmp_path
    )

    assert result.returncode == 0, f"{dont}: ruff now flags it:\n{result.stdout}"
    assert "neither is the Don't example above, which passes the repository's lint" in (
        prose(NO_BLOCKING_PAGE)
    )


def test_the_repository_selects_ruffs_async_rules() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "ASYNC" in pyproject["tool"]["ruff"]["lint"]["select"]
    assert "the repository's ruff configuration selects the `ASYNC` rules" in (
        prose(NO_BLOCKING_PAGE)
    )


async def test_the_service_talks_to_postgresql_through_asyncpg() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql://shop@db.internal:5432/shop",  # type: ignore[arg-type]
        jwt_secret=secrets.token_urlsafe(32),  # type: ignore[arg-type]
    )
    engine = create_engine(settings)  # opens no connection yet
    try:
        assert isinstance(engine, AsyncEngine)
        assert engine.dialect.driver == "asyncpg"
    finally:
        await engine.dispose()
    assert "talks to PostgreSQL only through asyncpg and SQLAlchemy's async engine" in (
        prose(NO_BLOCKING_PAGE)
    )


HASHING = {"hash_password", "verify_password", "verify_against_decoy"}


def test_the_users_service_hashes_passwords_in_the_event_loop() -> None:
    tree = ast.parse(USERS_SERVICE.read_text())
    hashing_in = {}
    for method in ast.walk(tree):
        if isinstance(method, ast.AsyncFunctionDef):
            calls = {
                node.func.attr
                for node in ast.walk(method)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "security"
                and node.func.attr in HASHING
            }
            if calls:
                hashing_in[method.name] = calls

    # Called directly from these async methods, not awaited, not in a thread.
    assert set(hashing_in) == {"register", "update", "authenticate"}
    assert "to_thread" not in USERS_SERVICE.read_text()
    assert (
        "`UserService.register()`, `update()` and `authenticate()` call pwdlib's "
        "Argon2id directly, in the event loop" in prose(NO_BLOCKING_PAGE)
    )
