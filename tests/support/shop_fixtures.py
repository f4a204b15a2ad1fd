"""Fixtures of the service and evidence tests: a real PostgreSQL, a rolled-back transaction per test.

Loaded for every test as a plugin (``pytest_plugins`` in tests/conftest.py), so
the service tests and the evidence modules share one server and one set of
definitions; the helpers below are imported by name:
``from tests.support.shop_fixtures import``.

Every test talks to the API through ``client``; the API and the test share
one ``AsyncSession``, joined to an outer transaction that is rolled back when
the test ends, so tests never see each other's rows and need no cleanup.
"""

import asyncio
import logging
import secrets
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    create_async_engine,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from handbook.content.docs_tree import REPO_ROOT
from shop.catalog.models import Product
from shop.core.config import Settings
from shop.core.database import create_engine, get_db
from shop.core.logging import JsonFormatter
from shop.core.main import AppState, create_app
from shop.shared.base_model import Base
from shop.users import security
from tests.support.modules import module_from_file
from throwaway.postgres import NoPostgresError, postgres_server

SNIPPETS_DIR = REPO_ROOT / "snippets"
MIGRATIONS_DIR = SNIPPETS_DIR / "migrations"
PASSWORD = "correct horse battery staple"  # noqa: S105  # a test user's password


def load_script(name: str) -> ModuleType:
    """Import ``snippets/scripts/<name>.py`` (scripts are not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    module = module_from_file(name, SNIPPETS_DIR / "scripts" / f"{name}.py")
    sys.modules[name] = module
    return module


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id with minimal cost parameters.

    The production parameters cost about 0.25 s per hash on a small CI
    machine, paid for every user a test registers and every sign-in.
    """
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_password_hash", cheap)
        yield


@pytest.fixture(autouse=True)
def no_json_handler_left_on_the_root_logger() -> Iterator[None]:
    """Take off the root logger's JSON handler an app installed in the test.

    ``create_app()`` gives the root logger a handler writing to the
    ``sys.stdout`` of that moment, the test's capture, which pytest closes
    afterwards: a library's warning in a later test would go to a closed file.
    """
    yield
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, JsonFormatter):
            root.removeHandler(handler)


# --8<-- [start:server-url]
@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of the server's maintenance database (see postgres_provider)."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(
                # Under the system temp dir: when the tests run as root, the
                # server runs as postgres, which must be able to reach it.
                postgres_server(Path(tempfile.gettempdir()) / "shop-test-postgres")
            )
        except NoPostgresError as error:
            # One clear instruction instead of a traceback per test.
            pytest.fail(str(error), pytrace=False)
        yield url
        # --8<-- [end:server-url]


DatabaseFactory = Callable[[], Awaitable[str]]


@pytest.fixture(scope="session")
async def create_database(server_url: str) -> AsyncIterator[DatabaseFactory]:
    """Factory of empty databases on the test server, dropped at session end."""
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    async def create() -> str:
        name = f"shop_test_{uuid.uuid4().hex[:12]}"
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return (
            make_url(server_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )

    yield create
    async with admin.connect() as conn:
        for name in created:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def database_url(create_database: DatabaseFactory) -> str:
    """A database migrated with the project's own migration files."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    return url


def configured(settings: Settings, **overrides: Any) -> Settings:
    """``settings`` with ``overrides``, each validated as its setting is.

    ``model_copy(update=...)`` does not validate: a plain string there would
    not be the ``Secret[PostgresDsn]`` or ``Secret[RedisDsn]`` the app reads
    a URL from, nor would a bound such as ``ge=1`` be checked.
    """
    copy = settings.model_copy()
    for name, value in overrides.items():
        Settings.__pydantic_validator__.validate_assignment(copy, name, value)
    return copy


def on_database(settings: Settings, url: str, **overrides: Any) -> Settings:
    """``settings`` with another database URL, and ``overrides``, validated."""
    return configured(settings, database_url=url, **overrides)


# Nothing listens on port 1 of the loopback address: a connection is refused
# at once, with no name to look up.
UNCONNECTED_DATABASE_URL = "postgresql://shop@127.0.0.1:1/shop"


def shop_settings(database_url: str, **overrides: Any) -> Settings:
    """The service's Settings for a database URL written as the environment
    gives it, validated the same way: no .env file, and a fresh signing key
    unless ``overrides`` names one."""
    return Settings(
        _env_file=None,
        database_url=database_url,  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
        **{"jwt_secret": SecretStr(secrets.token_urlsafe(48)), **overrides},
    )


def unconnected_settings(**overrides: Any) -> Settings:
    """Settings of an app that connects to nothing: building it, its OpenAPI
    schema and its start-up open no connection, and one that is tried fails
    at once."""
    return shop_settings(UNCONNECTED_DATABASE_URL, **overrides)


@pytest.fixture(scope="session")
def service_openapi() -> dict[str, Any]:
    """The service's OpenAPI document, built once; read it, do not change it."""
    openapi: dict[str, Any] = create_app(unconnected_settings()).openapi()
    return openapi


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings of the app under test: no .env file, a fresh signing key."""
    return shop_settings(
        database_url,
        environment="test",
        cors_origins=("https://shop.example",),
        # Tests sign in far faster than a person, several times a second
        # from one address; SEC-BRUTE-FORCE's evidence sets its own rate.
        password_checks_per_client=10_000,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """One engine (connection pool) for the whole session."""
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


# --8<-- [start:rollback-fixtures]
# --8<-- [start:lead-rollback]
@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction that is always rolled back."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()
    # --8<-- [end:lead-rollback]


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """The session both the test and the app use.

    ``create_savepoint``: the service's ``commit()`` and ``rollback()`` act on
    a SAVEPOINT, so the outer transaction survives them and is rolled back.
    ``expire_on_commit=False`` as in the app's own session factory.
    """
    async with AsyncSession(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    ) as session:
        yield session


def build_app(settings: Settings, session: AsyncSession) -> FastAPI:
    """``create_app(settings)`` with ``get_db`` yielding the test's session."""
    app = create_app(settings)

    async def override_get_db() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_db] = override_get_db
    return app


@pytest.fixture
def app(settings: Settings, session: AsyncSession) -> FastAPI:
    """The app on the test's settings and session."""
    return build_app(settings, session)
    # --8<-- [end:rollback-fixtures]


def client_for(app: FastAPI) -> AbstractAsyncContextManager[AsyncClient]:
    """An in-process HTTP client of ``app``, its lifespan running around it."""
    return lifespan_client(app)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """HTTP client calling the app in-process, its lifespan running."""
    async with lifespan_client(app) as client:
        yield client


class LifespanServed:
    """The app as a server runs it: each request's scope gets the lifespan state.

    uvicorn copies the state the lifespan yielded into every request's scope
    (``scope["state"]``); httpx's ASGITransport calls the app bare, so the
    tests call this instead.
    """

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app with a shallow copy of the lifespan state, as uvicorn does."""
        await self.app({**scope, "state": dict(self.state)}, receive, send)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[LifespanServed]:
    """Run the app's startup and shutdown the way a server does (ASGI lifespan).

    httpx's ASGITransport skips the lifespan; uvicorn does not. Yields the app
    to hand ASGITransport, and the state the lifespan yielded (``.state``).
    """
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    state: dict[str, Any] = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    # Starlette types scopes and messages as MutableMapping, the queues hold dicts.
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))  # type: ignore[arg-type]
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        # Starlette filled the scope's state with what the lifespan yielded:
        # the shop's AppState, or nothing for an app without a lifespan.
        assert not state or state.keys() == AppState.__annotations__.keys(), state

        yield LifespanServed(app, cast(AppState, state))
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        assert (await from_app.get())["type"] == "lifespan.shutdown.complete"
        await task


@asynccontextmanager
async def lifespan_client(
    app: FastAPI, *, base_url: str = "http://test", **transport: Any
) -> AsyncIterator[AsyncClient]:
    """An in-process HTTP client of ``app``, its lifespan running around it.

    ``transport`` goes to httpx's ASGITransport (``client=``,
    ``raise_app_exceptions=``).
    """
    async with (
        running(app) as served,
        AsyncClient(
            transport=ASGITransport(app=served, **transport), base_url=base_url
        ) as client,
    ):
        yield client


async def count_rows(session: AsyncSession, model: type[Base]) -> int:
    """Number of rows of ``model``'s table visible in the test transaction."""
    return await session.scalar(select(func.count()).select_from(model)) or 0


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the common error body with this status and code; return ``error``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


# --8<-- [start:user-fixtures]
UserFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def register(client: AsyncClient) -> UserFactory:
    """Register a user through the API; returns the response body."""

    async def register(
        email: str | None = None, name: str = "Ada Lovelace", password: str = PASSWORD
    ) -> dict[str, Any]:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        response = await client.post(
            "/users", json={"email": email, "name": name, "password": password}
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    return register


@pytest.fixture
def login(client: AsyncClient) -> Callable[[str], Awaitable[dict[str, str]]]:
    """Sign in through the API; returns the Authorization header."""

    async def login(email: str, password: str = PASSWORD) -> dict[str, str]:
        response = await client.post(
            "/auth/token", data={"username": email, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return login


@pytest.fixture
async def alice(register: UserFactory, login: Any) -> dict[str, Any]:
    """A registered, signed-in user: her profile plus ``headers``."""
    user = await register(email="alice@example.com", name="Alice")
    return {**user, "headers": await login("alice@example.com")}
    # --8<-- [end:user-fixtures]


ProductFactory = Callable[[dict[str, int]], Awaitable[None]]


@pytest.fixture
def add_products(session: AsyncSession) -> ProductFactory:
    """Put products in the catalog: ``{sku: unit price in cents}``."""

    async def add_products(prices: dict[str, int]) -> None:
        session.add_all(
            Product(sku=sku, name=sku.title(), unit_price_cents=price)
            for sku, price in prices.items()
        )
        await session.flush()

    return add_products


@pytest.fixture
async def bob(register: UserFactory, login: Any) -> dict[str, Any]:
    """A second signed-in user, to prove users cannot see each other's data."""
    user = await register(email="bob@example.com", name="Bob")
    return {**user, "headers": await login("bob@example.com")}
