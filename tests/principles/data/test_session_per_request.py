"""Evidence for DB-SESSION: Sessions are per request and do not expire objects on commit.

Each test reproduces a claim docs/principles/data/session-per-request.md makes,
against the real tool, library or service.
"""

import warnings

import pytest
import sqlalchemy

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences
from shop.core.config import Settings
from shop.core.main import create_app
from tests.support.pages import prose
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    client_for,
    load_script,
    on_database,
)

SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"


DB_SESSION_PAGE = DOCS_DIR / "principles" / "data" / "session-per-request.md"


def test_the_source_database_module_fails_at_import_as_the_page_says() -> None:
    source_module = next(
        b for b in find_fences(SOURCE_DOCUMENT) if b.source.startswith("# database.py")
    )
    with pytest.raises(NameError, match="name 'settings' is not defined"):
        exec(compile(source_module.source, "database.py", "exec"), {})  # noqa: S102 - the source's own code
    assert "a global `settings` that the module never defines" in " ".join(
        DB_SESSION_PAGE.read_text().split()
    )


async def test_the_apps_own_sessions_keep_committed_objects_readable(
    create_database: DatabaseFactory, settings: Settings
) -> None:
    """Registration builds its 201 from the user it just committed.

    The rolled-back fixtures give the API the test's own session, so this
    test runs the app as a server does instead: its lifespan, its session
    factory and ``get_db``, on a database of its own (the commit is real).
    """
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    app = create_app(on_database(settings, url))
    account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}

    async with client_for(app) as client:
        response = await client.post("/users", json=account)

    # With expire_on_commit=True, reading user.id after the commit raises
    # MissingGreenlet in the handler, and the client gets a 500.
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/users/{response.json()['id']}"
    page = prose(DB_SESSION_PAGE)
    assert "every `commit()` unloads every attribute" in page
    assert "`test_the_apps_own_sessions_keep_committed_objects_readable`" in page


SOURCE_BASE = """
from sqlalchemy import Column, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
"""


def test_the_sources_declarative_base_still_runs_without_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(SOURCE_BASE, {})  # noqa: S102 - the source's base, as it writes it

    assert [str(warning.message) for warning in caught] == []
    assert sqlalchemy.__version__.startswith("2.1.")
    assert "still runs without a warning on SQLAlchemy 2.1" in prose(DB_SESSION_PAGE)
