"""Evidence for TEST-ROLLBACK: Tests run inside a rolled-back transaction.

The rollback fixtures themselves are quoted from tests/support/shop_fixtures.py and
exercised by every service test; these tests check what the page says they
achieve, against the real PostgreSQL.
"""

import time
import tomllib
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.catalog.models import Product
from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.main import create_app
from shop.shared.base_model import Base
from tests.support.pages import prose
from tests.support.pytest_outcomes import outcomes
from tests.support.scratch_sessions import run_with_shop_fixtures
from tests.support.shop_fixtures import DatabaseFactory, UserFactory, build_app

PAGE = DOCS_DIR / "principles" / "testing" / "test-rollback.md"


async def test_a_row_the_api_committed_is_visible_to_the_test_and_to_no_one_else(
    register: UserFactory, session: AsyncSession, engine: AsyncEngine
) -> None:
    await register(email="grace@example.com")  # UserService.register() commits

    query = text("SELECT count(*) FROM users WHERE email = 'grace@example.com'")
    assert await session.scalar(query) == 1  # the test shares the API's session
    async with engine.connect() as other:  # a second connection, outside the test
        assert await other.scalar(query) == 0


def test_the_event_loop_settings_the_page_names_are_the_repositorys() -> None:
    options = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"][
        "pytest"
    ]["ini_options"]

    assert options["asyncio_default_fixture_loop_scope"] == "session"
    assert options["asyncio_default_test_loop_scope"] == "session"
    assert '`asyncio_default_fixture_loop_scope = "session"`' in prose(PAGE)


NEXT_TEST_STARTS_EMPTY = """\
from sqlalchemy import text


async def test_one_registers_a_user(register):
    await register(email="grace@example.com")


async def test_the_next_one_starts_from_an_empty_table(session):
    assert await session.scalar(text("SELECT count(*) FROM users")) == 0
"""


def test_what_one_test_committed_is_gone_when_the_next_starts(
    tmp_path: Path, server_url: str
) -> None:
    """The suite's own fixtures, in a fresh pytest session of two tests, in order."""
    result = run_with_shop_fixtures(
        tmp_path, server_url, {"test_two_in_a_row.py": NEXT_TEST_STARTS_EMPTY}
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert outcomes(result.stdout) == {"passed": 2}
    assert "still leaves nothing behind" in prose(PAGE)


def test_the_get_db_override_is_on_the_tests_own_app_only(
    app: FastAPI, settings: Settings, session: AsyncSession
) -> None:
    assert set(app.dependency_overrides) == {get_db}
    # Another app from the same factory, as another test or fixture builds
    # it, starts without the override and gets its own.
    other = create_app(settings)
    assert other is not app
    assert other.dependency_overrides == {}
    rebuilt = build_app(settings, session)
    assert rebuilt is not app
    assert app.dependency_overrides[get_db] is not rebuilt.dependency_overrides[get_db]
    assert "override `get_db` on that app only" in prose(PAGE)


def _median(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


async def test_recreating_the_schema_costs_milliseconds_and_the_rollback_far_less(
    create_database: DatabaseFactory,
) -> None:
    """Both ways of starting a test from an empty database, timed on the
    suite's own server: the schema dropped and created again, and the
    rollback of an outer transaction a row was written in."""
    engine = create_async_engine(await create_database())
    recreate, rollback = [], []
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        for _ in range(7):
            started = time.perf_counter()
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.drop_all)
                await conn.run_sync(Base.metadata.create_all)
            recreate.append(time.perf_counter() - started)
        for _ in range(7):
            async with engine.connect() as conn:
                transaction = await conn.begin()
                await conn.execute(
                    insert(Product).values(
                        sku="MUG-1", name="Mug", unit_price_cents=1200
                    )
                )
                started = time.perf_counter()
                await transaction.rollback()
                rollback.append(time.perf_counter() - started)
    finally:
        await engine.dispose()

    # Measured: 25-40 ms and 0.3-0.5 ms; the bounds leave room for a busy machine.
    assert len(Base.metadata.tables) == 4
    assert 0.005 < _median(recreate) < 1.0
    assert _median(rollback) < _median(recreate) / 10
    assert (
        "Dropping and recreating the schema for each test isolates them, at tens "
        "of milliseconds per test on the suite's server for this service's four "
        "tables." in prose(PAGE)
    )
    assert "for the price of one `ROLLBACK`, under a tenth of that." in prose(PAGE)
