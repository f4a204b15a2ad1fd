"""Evidence for TEST-ROLLBACK: Tests run inside a rolled-back transaction.

The rollback fixtures themselves are quoted from tests/shop_fixtures.py and
exercised by every service test; these tests check what the page says they
achieve, against the real PostgreSQL.
"""

import tomllib

from claims_support import prose
from shop_fixtures import UserFactory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handbook.docs_tree import DOCS_DIR, REPO_ROOT

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
