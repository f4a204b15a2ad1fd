"""Evidence for DB-SESSION: Sessions are per request and do not expire objects on commit.

Each test reproduces a claim docs/principles/data/session-per-request.md makes,
against the real tool, library or service.
"""

import inspect
import warnings
from collections.abc import AsyncGenerator, AsyncIterator
from importlib import metadata
from types import SimpleNamespace
from typing import Any, cast

import pytest
import sqlalchemy
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import in_greenlet

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences
from shop.core.config import Settings
from shop.core.main import create_app
from tests.principles.data.examples import session_per_request as minimal
from tests.principles.data.examples import session_with_defaults as with_defaults
from tests.support.pages import prose
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    LifespanServed,
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


@pytest.fixture
async def products_database(create_database: DatabaseFactory) -> str:
    """A database of its own with the page's minimal table, for its apps."""
    url = await create_database()
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(minimal.Base.metadata.create_all)
    await engine.dispose()
    return url


@pytest.fixture
def minimal_app(products_database: str) -> FastAPI:
    """The page's minimal app (its Do)."""
    return minimal.create_app(products_database)


@pytest.fixture
async def minimal_state(minimal_app: FastAPI) -> AsyncIterator[minimal.State]:
    """What the minimal app's lifespan yields, while the lifespan runs."""
    async with minimal_app.router.lifespan_context(minimal_app) as state:
        assert state is not None, "the lifespan yielded no state"
        yield cast(minimal.State, state)


def _client_of(served: LifespanServed, *, errors_answered: bool = True) -> AsyncClient:
    """A client of ``served``: an error is the client's 500, as a server sends
    it, or, with ``errors_answered=False``, raised where the test can see it."""
    transport = ASGITransport(served, raise_app_exceptions=not errors_answered)
    return AsyncClient(transport=transport, base_url="http://shop")


async def test_the_pages_minimal_app_reads_what_it_committed_and_frees_each_session(
    minimal_app: FastAPI, minimal_state: minimal.State
) -> None:
    pool = minimal_state["sessions"].kw["bind"].pool
    # The example's own State, where LifespanServed expects the service's.
    served = LifespanServed(minimal_app, cast(Any, minimal_state))
    async with _client_of(served) as client:
        mug = await client.post("/products", json={"sku": "MUG-BLUE"})
        after_one = pool.checkedout()
        cup = await client.post("/products", json={"sku": "CUP-RED"})
        after_two = pool.checkedout()
        count = await client.get("/products/count")
        after_read = pool.checkedout()

    # 201 with the id read after the commit (MissingGreenlet, a 500, with
    # expire_on_commit=True); each response sent, its session's connection
    # is back in the pool.
    assert [mug.status_code, cup.status_code] == [201, 201], mug.text
    assert mug.json()["sku"] == "MUG-BLUE"
    assert mug.json()["id"] != cup.json()["id"]
    assert count.json() == 2
    # A read leaves its transaction open until the session closes.
    assert [after_one, after_two, after_read] == [0, 0, 0]


async def test_a_session_closed_without_commit_keeps_nothing_it_wrote(
    minimal_state: minimal.State,
) -> None:
    sessions = minimal_state["sessions"]
    # The page's get_db, as FastAPI drives it for a handler that writes,
    # sends the INSERT, then raises before it commits.
    request = cast(Any, SimpleNamespace(state=SimpleNamespace(sessions=sessions)))
    dependency = cast(AsyncGenerator[AsyncSession], minimal.get_db(request))
    db = await anext(dependency)
    db.add(minimal.Product(sku="PLATE-WHITE"))
    await db.flush()
    with pytest.raises(RuntimeError):
        await dependency.athrow(RuntimeError("the handler failed"))
    async with sessions() as reader:
        count = await reader.scalar(
            sqlalchemy.select(sqlalchemy.func.count()).select_from(minimal.Product)
        )

    assert count == 0
    assert "A session closed without `commit()`" in prose(DB_SESSION_PAGE)


async def test_a_session_holds_one_object_per_row_however_often_it_is_read(
    minimal_state: minimal.State,
) -> None:
    # The identity map the page names: two reads of a row, one object.
    async with minimal_state["sessions"]() as db:
        db.add(minimal.Product(sku="BOWL-GREY"))
        await db.commit()
        query = sqlalchemy.select(minimal.Product).where(
            minimal.Product.sku == "BOWL-GREY"
        )
        first = await db.scalar(query)
        again = await db.scalar(query)
    async with minimal_state["sessions"]() as other:
        elsewhere = await other.scalar(query)

    assert first is again
    assert elsewhere is not first
    assert "its identity map (one object per row" in prose(DB_SESSION_PAGE)


async def test_the_pages_dont_commits_the_product_and_answers_500(
    products_database: str,
) -> None:
    """The Don't: the minimal app with the source's get_db."""
    app = with_defaults.create_app(products_database)
    async with app.router.lifespan_context(app) as state:
        assert state is not None, "the lifespan yielded no state"
        served = LifespanServed(app, cast(Any, state))
        async with _client_of(served) as client:
            response = await client.post("/products", json={"sku": "MUG-BLUE"})
        assert response.status_code == 500
        # The same request again, the error raised instead of sent: what failed.
        async with _client_of(served, errors_answered=False) as client:
            with pytest.raises(MissingGreenlet):
                await client.post("/products", json={"sku": "CUP-RED"})
        async with AsyncSession(state["engine"]) as reader:
            saved = (await reader.scalars(sqlalchemy.select(minimal.Product.sku))).all()

    assert sorted(saved) == ["CUP-RED", "MUG-BLUE"]  # both committed
    page = prose(DB_SESSION_PAGE)
    assert "`test_the_pages_dont_commits_the_product_and_answers_500`" in page
    assert "the client gets a 500 for a request that succeeded" in page


async def test_an_expired_attribute_loads_only_inside_the_sessions_greenlet(
    minimal_state: minimal.State,
) -> None:
    async with minimal_state["sessions"]() as db:
        db.add(minimal.Product(sku="JUG-GREEN"))
        await db.commit()
        product = await db.scalar(sqlalchemy.select(minimal.Product))
        assert product is not None
        db.expire(product)  # what commit() does with expire_on_commit=True

        # A plain attribute read: no await, no greenlet to wait in.
        with pytest.raises(MissingGreenlet, match="greenlet_spawn has not been called"):
            print(product.sku)

        def read_sku(_: Session) -> tuple[str, bool]:
            # Run by the session inside a greenlet, under its own await.
            return product.sku, in_greenlet()

        sku, in_a_greenlet = await db.run_sync(read_sku)

    assert (sku, in_a_greenlet) == ("JUG-GREEN", True)
    assert not in_greenlet()  # the test itself, where the read failed
    # The greenlet package: what SQLAlchemy's asyncio extra installs.
    assert any(
        r.startswith("greenlet") and 'extra == "asyncio"' in r
        for r in metadata.requires("sqlalchemy") or []
    )
    assert "it runs the ORM's synchronous code in a greenlet" in prose(DB_SESSION_PAGE)


def test_the_page_shows_how_the_service_hands_its_lifespan_the_settings() -> None:
    # The quoted lifespan takes the settings, not the app, as FastAPI's would.
    wiring = "lifespan=lambda _: lifespan(settings)"
    assert wiring in inspect.getsource(create_app)
    assert f"`{wiring}`" in prose(DB_SESSION_PAGE)


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
