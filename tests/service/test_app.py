"""Specification of the application shell: health, lifespan, errors, CORS, logging."""

import asyncio
import json
import logging
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from httpx import ASGITransport, AsyncClient
from prometheus_client import CollectorRegistry
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import QueuePool
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.routing import Route
from starlette.types import Message

import shop.core.main
from shop.core import health
from shop.core.config import Settings, get_settings
from shop.core.database import get_db
from shop.core.errors import UnhandledErrorMiddleware
from shop.core.logging import ACCESS_LOGGER_NAME
from shop.core.main import create_app
from shop.core.metrics import HttpMetrics
from shop.core.observe import ObserveMiddleware
from shop.shared.cache import ResponseCache
from shop.shared.exceptions import (
    OUTAGE_RETRY_AFTER_SECONDS,
    DomainError,
    ForbiddenError,
)
from shop.shared.state import LifespanNotRunError, lifespan_resource
from tests.support.app_role import libpq_url
from tests.support.failing_routes import (
    EXPORT_FAILURE,
    add_export_that_fails_mid_stream,
)
from tests.support.logs import json_log_lines
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    ProductFactory,
    assert_error,
    build_app,
    lifespan_client,
    load_script,
    on_database,
    running,
)

apply_migrations = load_script("apply_migrations")

# --- health ----------------------------------------------------------------------


async def test_readiness_is_200_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


# --8<-- [start:liveness]
@pytest.fixture
def app_without_database(settings: Settings, unused_tcp_port: int) -> FastAPI:
    """The app, pointed at a port where no database listens."""
    nowhere = f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/shop"
    return create_app(on_database(settings, nowhere))


async def test_liveness_is_200_even_when_the_database_is_down(
    app_without_database: FastAPI,
) -> None:
    app = app_without_database

    async with _client(app) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")

    # Restarting this process would not bring the database back: liveness
    # stays green, readiness takes the replica out of the load balancer.
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert_error(ready, 503, "service_unavailable")
    # --8<-- [end:liveness]


# --8<-- [start:health-503]
async def test_readiness_is_503_in_the_common_error_body_when_the_database_is_down(
    app_without_database: FastAPI,
) -> None:
    app = app_without_database

    async with _client(app) as client:
        response = await client.get("/health/ready")

    error = assert_error(response, 503, "service_unavailable")
    assert error["message"] == "Database unreachable"
    # --8<-- [end:health-503]


# --8<-- [start:health-timeout]
async def test_readiness_is_503_within_the_connect_timeout_when_the_database_hangs(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Listening but never accepting: the connection is made and no byte ever
    # comes back, as from a database host that is stuck or overloaded.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        hanging = on_database(
            settings,
            f"postgresql://postgres@127.0.0.1:{port}/shop",
            database_connect_timeout_seconds=0.5,
        )
        app = create_app(hanging)

        async with _client(app) as client:
            # A guard, not a speed target: asyncpg's own default would wait 60 s.
            response = await asyncio.wait_for(client.get("/health/ready"), timeout=30)

    assert_error(response, 503, "service_unavailable")
    # The connect timeout, not a refused connection, ended the wait.
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    warning = next(line for line in logged if line["message"] == "database unreachable")
    assert warning["error"] == "TimeoutError()"
    assert warning["probe_budget_seconds"] == 0.5  # the wait that ran out
    # --8<-- [end:health-timeout]


async def test_readiness_is_503_whatever_error_the_database_raises(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # asyncpg refuses an unknown connect() argument with a TypeError: neither
    # an SQLAlchemyError nor an OSError, and still a database that does not
    # answer. The settings refuse such URLs; a bad engine argument is the same.
    misconfigured = create_async_engine(
        make_url(database_url).set(drivername="postgresql+asyncpg"),
        connect_args={"channel_binding": "require"},
    )

    async def session_on_the_misconfigured_engine() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(misconfigured) as session:
            yield session

    app = create_app(settings)
    app.dependency_overrides[get_db] = session_on_the_misconfigured_engine
    try:
        async with _client(app) as client:
            response = await client.get("/health/ready")
    finally:
        await misconfigured.dispose()

    error = assert_error(response, 503, "service_unavailable")
    assert error["message"] == "Database unreachable"
    assert "channel_binding" not in response.text
    [warning] = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["level"] != "INFO"
    ]
    assert warning["level"] == "WARNING"
    assert warning["message"] == "database unreachable"
    assert warning["error"].startswith("TypeError(")
    assert "exception" not in warning  # an expected failure: no traceback


# --- readiness and the schema's revision -------------------------------------------


def test_readiness_requires_the_newest_migration_of_the_code() -> None:
    # Fails when a migration is added without raising SCHEMA_REVISION: the
    # probe would report ready a database that lacks the new migration.
    newest = _migration_files()[-1]

    assert _version(newest) == health.SCHEMA_REVISION


def _migration_files() -> list[Path]:
    """The project's migrations, in the order they apply."""
    return sorted(MIGRATIONS_DIR.glob("*.sql"))


def _version(migration: Path) -> str:
    """``20261126050000`` of ``20261126050000_init.sql``."""
    return migration.stem.split("_")[0]


async def _migrated(
    create_database: DatabaseFactory, directory: Path, files: list[Path]
) -> str:
    """A new database with ``files`` applied (no revisions table if none)."""
    url = await create_database()
    for path in files:
        shutil.copy(path, directory)
    if files:
        await apply_migrations.apply_migrations(url, directory)
    return url


@pytest.mark.parametrize(
    "applied", ["none", "all-but-the-newest", "another-branchs-newer-one-instead"]
)
async def test_readiness_is_503_naming_both_revisions_while_the_schema_is_behind(
    create_database: DatabaseFactory,
    settings: Settings,
    tmp_path: Path,
    applied: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = [] if applied == "none" else _migration_files()[:-1]
    if applied == "another-branchs-newer-one-instead":
        # Applied to a shared staging database before this code's own: the
        # newest revision is newer than the code's, and the code's is missing.
        other = tmp_path / "branch" / "29991231000000_other_branch.sql"
        other.parent.mkdir()
        other.write_text("CREATE TABLE other_branch (id integer);\n")
        files = [*files, other]
    url = await _migrated(create_database, tmp_path, files)

    async with _client(create_app(on_database(settings, url))) as client:
        capsys.readouterr()
        response = await client.get("/health/ready")
    log = json_log_lines(capsys.readouterr().out)

    error = assert_error(response, 503, "service_unavailable")
    assert error["message"] == "Database schema out of date"
    assert response.headers["Retry-After"] == str(OUTAGE_RETRY_AFTER_SECONDS)
    [warning] = [line for line in log if line["level"] == "WARNING"]
    assert warning["message"] == "database schema behind the code"
    assert warning["required_revision"] == health.SCHEMA_REVISION
    assert warning["schema_revision"] == (_version(files[-1]) if files else None)
    assert "exception" not in warning  # expected during a deploy: no traceback


async def test_readiness_is_503_for_a_role_that_may_not_read_the_revisions(
    server_url: str,
    database_url: str,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A role made without db/app_role.sql's grant on shop_meta: the probe
    # cannot tell how new the schema is, so the replica is not ready.
    role, password = f"no_meta_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin = await asyncpg.connect(libpq_url(server_url))
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    as_role = make_url(database_url).set(username=role, password=password)
    try:
        app = create_app(
            on_database(settings, as_role.render_as_string(hide_password=False))
        )
        async with _client(app) as client:
            capsys.readouterr()
            response = await client.get("/health/ready")
    finally:
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()

    assert_error(response, 503, "service_unavailable")
    [warning] = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["level"] == "WARNING"
    ]
    assert warning["message"] == "database unreachable"
    assert "permission denied for schema shop_meta" in warning["error"]
    assert password not in warning["error"]


# A migration of the next release: it only adds, as expand-contract asks.
NEXT_RELEASE_MIGRATION = 'ALTER TABLE "orders" ADD COLUMN "note" text NULL;\n'


@pytest.mark.parametrize("newer", [False, True], ids=["all-applied", "one-newer"])
async def test_readiness_is_200_and_the_code_serves_on_its_schema_or_a_newer_one(
    create_database: DatabaseFactory,
    settings: Settings,
    tmp_path: Path,
    newer: bool,
) -> None:
    """A rolling deploy migrates first: the old release then serves on the
    newer schema until its replicas are replaced."""
    if newer:
        next_release = tmp_path / "29991231000000_add_order_note.sql"
        next_release.write_text(NEXT_RELEASE_MIGRATION)
    url = await _migrated(create_database, tmp_path, _migration_files())

    async with _client(create_app(on_database(settings, url))) as client:
        ready = await client.get("/health/ready")
        email = f"deploy-{uuid.uuid4().hex[:8]}@example.com"
        signup = {"email": email, "name": "Ada", "password": PASSWORD}
        registered = await client.post("/users", json=signup)
        token = await client.post(
            "/auth/token", data={"username": email, "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        orders = await client.get("/orders", headers=headers)
        products = await client.get("/products")

    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "database": "ok"}
    statuses = [r.status_code for r in (registered, token, orders, products)]
    assert statuses == [201, 200, 200, 200]


# --- lifespan ----------------------------------------------------------------------


async def test_a_request_before_startup_fails_saying_the_lifespan_has_not_run(
    settings: Settings,
) -> None:
    app = create_app(settings)  # opens nothing: every resource is the lifespan's

    transport = ASGITransport(app=app)  # httpx alone runs no lifespan
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(LifespanNotRunError, match="run the app's lifespan first"):
            await client.get("/health/live")


def test_a_lifespan_resource_of_the_wrong_type_is_refused() -> None:
    scope = {"type": "http", "state": {"cache": "redis://cache:6379/0"}}

    with pytest.raises(TypeError, match="'cache' is a str, not a ResponseCache"):
        lifespan_resource(scope, "cache", ResponseCache)


async def test_requests_use_the_pool_created_at_startup_and_shutdown_closes_it(
    settings: Settings,
) -> None:
    app = create_app(settings)

    async with running(app) as served:
        engine = served.state["engine"]
        transport = ASGITransport(app=served)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/health/ready")).status_code == 200
        # The request's connection went back to the pool, still open.
        assert _idle_connections(engine) == 1

    # dispose() closed it and left an empty pool behind.
    assert _idle_connections(engine) == 0


def _idle_connections(engine: AsyncEngine) -> int:
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool), pool
    return pool.checkedin()


async def test_the_factory_uvicorn_calls_reads_the_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", str(settings.database_url.get_secret_value()))
    monkeypatch.setenv("JWT_SECRET", settings.jwt_secret.get_secret_value())
    get_settings.cache_clear()
    try:
        app = create_app()  # as `uvicorn --factory shop.core.main:create_app` does
        async with running(app) as served:
            read = served.state["settings"]
    finally:
        get_settings.cache_clear()

    assert read.database_url == settings.database_url
    assert read.jwt_secret == settings.jwt_secret


def test_importing_the_main_module_builds_no_app() -> None:
    assert not hasattr(shop.core.main, "app")


# --- the common error body -------------------------------------------------------------


def _client(
    app: FastAPI, *, raise_app_exceptions: bool = True
) -> AbstractAsyncContextManager[AsyncClient]:
    return lifespan_client(app, raise_app_exceptions=raise_app_exceptions)


async def test_an_unknown_path_is_a_404_in_the_common_body(client: AsyncClient) -> None:
    assert_error(await client.get("/no/such/thing"), 404, "not_found")


async def test_an_unsupported_method_is_a_405_in_the_common_body(
    client: AsyncClient,
) -> None:
    response = await client.delete("/users/me")

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, PATCH"


# Every route that reads a body, and the label it reads: a new one fails
# here until it is tried below.
BODY_ROUTES = {
    ("POST", "/users"): "application/json",
    ("PATCH", "/users/me"): "application/json",
    ("POST", "/orders"): "application/json",
    ("POST", "/auth/token"): "application/x-www-form-urlencoded",
}


def test_the_body_routes_are_the_ones_the_415_test_tries(
    service_openapi: dict[str, Any],
) -> None:
    published = {
        (method.upper(), path): list(operation["requestBody"]["content"])
        for path, operations in service_openapi["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert published == {route: [label] for route, label in BODY_ROUTES.items()}


# Each label, and the media type a route compares: parameters dropped, any case.
LABELS = {
    "text/plain": "text/plain",
    "application/json": "application/json",
    "application/json; charset=utf-8": "application/json",
    "Application/JSON": "application/json",
    # FastAPI parses these as JSON; the routes publish application/json only.
    "application/merge-patch+json": "application/merge-patch+json",
    "application/json-patch+json": "application/json-patch+json",
    "application/x-www-form-urlencoded": "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=formpart": "multipart/form-data",
    None: None,
}
# A form route reads both form encodings, though OpenAPI lists the first.
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
# What a 415 says a route reads, by the type the route publishes.
MUST_BE = {
    "application/json": "The body must be application/json",
    "application/x-www-form-urlencoded": (
        "The body must be application/x-www-form-urlencoded or multipart/form-data"
    ),
}


def _body_for(label: str | None) -> bytes:
    if label and label.startswith("multipart/"):
        return (
            b"--formpart\r\n"
            b'Content-Disposition: form-data; name="username"\r\n\r\n'
            b"alice@example.com\r\n--formpart--\r\n"
        )
    if label and "urlencoded" in label:
        return b"username=alice%40example.com"
    return b"{}"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("label", LABELS)
async def test_a_body_labelled_as_a_type_its_route_does_not_read_is_a_415(
    client: AsyncClient,
    alice: dict[str, Any],
    method: str,
    path: str,
    label: str | None,
) -> None:
    headers = alice["headers"] | ({"Content-Type": label} if label else {})
    published = BODY_ROUTES[method, path]
    read = FORM_TYPES if published in FORM_TYPES else {published}

    response = await client.request(
        method, path, content=_body_for(label), headers=headers
    )

    if LABELS[label] in read:
        # Read: what it says next is the route's business, never a 415.
        assert response.status_code != 415, response.text
    else:
        error = assert_error(response, 415, "unsupported_media_type")
        sent = f"sent as {LABELS[label]}" if label else "sent without a type"
        assert error["message"] == f"{MUST_BE[published]}; it was {sent}"


async def test_a_415_shows_a_long_content_type_cut_short(client: AsyncClient) -> None:
    label = "text/" + "x" * 5000

    response = await client.post(
        "/users", content=b"{}", headers={"Content-Type": label}
    )

    error = assert_error(response, 415, "unsupported_media_type")
    assert error["message"].endswith("it was sent as text/" + "x" * 59)


async def test_a_chunked_body_without_a_length_is_a_body_too(
    client: AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "ada@example.com"}'

    response = await client.post(
        "/users", content=chunks(), headers={"Content-Type": "text/plain"}
    )

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("framing", ["Content-Length: 0", "no framing header"])
async def test_a_request_without_a_body_is_left_to_validation(
    client: AsyncClient, framing: str
) -> None:
    request = client.build_request(
        "POST", "/users", headers={"Content-Type": "text/plain"}
    )
    if framing == "no framing header":
        # HTTP/1.1 without Content-Length or Transfer-Encoding: no body
        # (RFC 9112, section 6.3), though a client should send the 0.
        del request.headers["Content-Length"]

    response = await client.send(request)

    # Nothing sent, whatever the label: the 422 names the missing body.
    error = assert_error(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["body"]


async def test_a_body_sent_to_a_route_that_reads_none_is_not_judged(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    # A GET's content has no meaning (RFC 9110, section 9.3.1): ignored,
    # whatever its label, not refused as a type the route does not read.
    response = await client.request(
        "GET",
        "/users/me",
        content=b"{}",
        headers=alice["headers"] | {"Content-Type": "text/plain"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["id"] == alice["id"]


# --8<-- [start:allow-header]
@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/orders", "GET, HEAD, POST"),
        ("/users/me", "GET, HEAD, PATCH"),
        ("/orders/1", "GET, HEAD"),
        ("/users", "POST"),
    ],
)
async def test_a_405_lists_every_method_the_path_supports(
    client: AsyncClient, path: str, allow: str
) -> None:
    response = await client.request("OPTIONS", path)

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow
    # --8<-- [end:allow-header]


async def test_a_forbidden_error_is_a_403_in_the_common_body(app: FastAPI) -> None:
    async def admin_only() -> None:
        raise ForbiddenError("Administrators only")

    app.add_api_route("/admin", admin_only)

    async with _client(app) as client:
        response = await client.get("/admin")

    assert assert_error(response, 403, "forbidden")["message"] == "Administrators only"


async def test_a_domain_error_without_an_http_mapping_is_a_500(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    class InventoryError(DomainError):
        pass

    async def reserve_stock() -> None:
        raise InventoryError("Stock ledger unavailable")

    app = create_app(settings)
    app.add_api_route("/reserve", reserve_stock)
    capsys.readouterr()

    async with _client(app) as client:
        response = await client.get("/reserve")

    # A rule nobody mapped to a status is the service's bug: the client gets
    # the one 500 body, and the log gets the error with its traceback.
    error = assert_error(response, 500, "internal_server_error")
    assert error["message"] == "Internal server error"
    logged = _the_one_error_logged(capsys.readouterr().out)
    assert logged["message"] == "unhandled error"
    assert (logged["method"], logged["path"]) == ("GET", "/reserve")
    assert (
        logged["exception"]
        .rstrip()
        .endswith("InventoryError: Stock ledger unavailable")
    )


async def test_an_unexpected_exception_is_a_500_that_reveals_nothing(
    app: FastAPI,
) -> None:
    async def broken() -> None:
        raise RuntimeError("password=hunter2 in a connection string")

    app.add_api_route("/broken", broken)

    async with _client(app, raise_app_exceptions=False) as client:
        response = await client.get("/broken")

    error = assert_error(response, 500, "internal_server_error")
    assert error["message"] == "Internal server error"
    assert "hunter2" not in response.text


async def _missing_template() -> None:
    # A bug: the file is not where the code looks for it.
    await asyncio.to_thread(Path("/nonexistent/templates/receipt.html").read_text)


async def _slow_partner() -> None:
    # A call to anything but the database, bounded by the handler itself.
    async with asyncio.timeout(0.01):
        await asyncio.sleep(10)


@pytest.mark.parametrize(
    ("handler", "error"),
    [(_missing_template, "FileNotFoundError"), (_slow_partner, "TimeoutError")],
)
async def test_an_os_error_from_outside_the_database_is_a_logged_500(
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    handler: Callable[[], Awaitable[None]],
    error: str,
) -> None:
    app = create_app(settings)
    app.add_api_route("/receipt", handler)
    capsys.readouterr()

    async with _client(app, raise_app_exceptions=False) as client:
        response = await client.get("/receipt")

    # Not "503 Database unavailable": nothing says the database is down.
    assert_error(response, 500, "internal_server_error")
    logged = _the_one_error_logged(capsys.readouterr().out)
    assert logged["message"] == "unhandled error"
    assert f"{error}" in logged["exception"]
    assert "Traceback (most recent call last)" in logged["exception"]


# --8<-- [start:cors-configured-origin]
async def test_cors_allows_the_configured_origin_only(client: AsyncClient) -> None:
    allowed = await client.options(
        "/orders",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    other = await client.options(
        "/orders",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
        },
    )

    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in other.headers
    # --8<-- [end:cors-configured-origin]


async def test_a_browser_may_send_a_request_id_and_read_it_and_retry_after(
    settings: Settings, session: AsyncSession
) -> None:
    app = build_app(
        settings.model_copy(update={"registrations_per_client": 1}), session
    )
    browser = {"Origin": "https://shop.example", "X-Request-ID": "signup-7f3c9a2e"}

    async with _client(app) as client:
        preflight = await client.options(
            "/users",
            headers={
                "Origin": "https://shop.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-request-id",
            },
        )
        answers = [
            await client.post(
                "/users",
                json={"email": email, "name": "Ada", "password": PASSWORD},
                headers=browser,
            )
            for email in ("ada@example.com", "ada.again@example.com")
        ]

    assert preflight.status_code == 200
    assert "X-Request-ID" in preflight.headers["access-control-allow-headers"]
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.headers["retry-after"]
    assert refused.headers["x-request-id"] == "signup-7f3c9a2e"
    exposed = refused.headers["access-control-expose-headers"].split(", ")
    # Every header a script of the allowed origin reads, and no other.
    assert set(exposed) == {"ETag", "Location", "Retry-After", "X-Request-ID"}


# --- logging -------------------------------------------------------------------------------


def _the_one_error_logged(output: str) -> dict[str, Any]:
    """The ERROR line of ``output``; it fails unless there is exactly one."""
    errors = [line for line in json_log_lines(output) if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    return errors[0]


# --8<-- [start:access-log-line]
async def test_each_request_logs_one_json_line_with_method_path_status_and_duration(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)  # after capsys, so its handler writes to the capture
    capsys.readouterr()

    async with _client(app) as client:
        await client.get("/no/such/page")

    (line,) = json_log_lines(capsys.readouterr().out)
    assert line["logger"] == "shop.access"
    assert line["level"] == "INFO"
    assert {
        "method": "GET",
        "path": "/no/such/page",
        "status": 404,
    }.items() <= line.items()
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("+00:00")
    # --8<-- [end:access-log-line]


# --8<-- [start:traceback-log-line]
async def test_an_unhandled_error_logs_the_traceback_and_a_500_access_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)

    async def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken", broken)
    capsys.readouterr()

    async with _client(app, raise_app_exceptions=False) as client:
        await client.get("/broken")

    # The error line first: it is logged where the exception is caught,
    # inside the access-log middleware, which then logs the 500 it saw. One
    # error line only: nothing re-raises it to the server to log again.
    error_line, access_line = json_log_lines(capsys.readouterr().out)
    assert error_line["level"] == "ERROR"
    assert error_line["path"] == "/broken"
    assert "RuntimeError: boom" in error_line["exception"]
    assert access_line["status"] == 500
    # --8<-- [end:traceback-log-line]


async def test_log_level_from_settings_filters_lines(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings.model_copy(update={"log_level": "WARNING"}))
    capsys.readouterr()

    async with _client(app) as client:
        await client.get("/no/such/page")

    assert capsys.readouterr().out == ""


async def test_an_error_after_the_response_started_goes_to_the_server(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)
    add_export_that_fails_mid_stream(app)
    capsys.readouterr()

    # The status line is sent: too late for a 500. The server must cut the
    # connection, so the client cannot mistake the short body for all of it.
    async with _client(app) as client:
        with pytest.raises(RuntimeError, match=EXPORT_FAILURE):
            await client.get("/export")
        await client.get("/health/live")

    # The traceback is the server's to log, not a second time by the app's;
    # the app's access line says the 200 it sent was cut short.
    output = capsys.readouterr().out
    access = _the_one_error_logged(output)
    assert access["logger"] == "shop.access"
    assert (access["path"], access["status"], access["body_cut"]) == (
        "/export",
        200,
        True,
    )
    assert "exception" not in access
    # A response sent whole says so too.
    whole = [line for line in json_log_lines(output) if line["path"] == "/health/live"]
    assert [(line["level"], line["body_cut"]) for line in whole] == [("INFO", False)]


async def test_a_stream_cancelled_mid_body_is_logged_and_counted_as_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Cancelled, not raised: what uvicorn does to a stream still open when a
    shutdown's graceful timeout runs out. CancelledError is no Exception.
    ObserveMiddleware is driven as uvicorn drives it, with its own task."""
    first_event_sent = asyncio.Event()

    async def order_events() -> AsyncIterator[bytes]:
        yield b"data: order 1 paid\n\n"
        first_event_sent.set()
        await asyncio.Event().wait()  # the next event never comes

    async def events(_: Request) -> StreamingResponse:
        return StreamingResponse(order_events(), media_type="text/event-stream")

    metrics = HttpMetrics(CollectorRegistry())
    observed = ObserveMiddleware(Starlette(routes=[Route("/orders/events", events)]))
    scope = {
        "type": "http", "method": "GET", "path": "/orders/events",
        "raw_path": b"/orders/events", "query_string": b"", "headers": [],
        "http_version": "1.1", "scheme": "http", "root_path": "",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
        "state": {"metrics": metrics},
    }  # fmt: skip
    disconnected = asyncio.Event()

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        pass

    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER_NAME):
        request = asyncio.create_task(observed(scope, receive, send))
        await first_event_sent.wait()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request

    (access,) = [r for r in caplog.records if r.name == ACCESS_LOGGER_NAME]
    assert (access.levelname, access.__dict__["status"]) == ("ERROR", 200)
    assert access.__dict__["body_cut"] is True
    labels = {"method": "GET", "route": "/orders/events", "status": "200"}
    assert metrics.registry.get_sample_value("http_responses_cut_total", labels) == 1


def _cancellable_request(
    path: str,
) -> tuple[dict[str, Any], Callable[[], Awaitable[Message]]]:
    """A scope for ``path``, and a ``receive`` whose body never comes: what
    uvicorn hands an app while the client holds back the rest of its body."""
    scope = {
        "type": "http", "method": "POST", "path": path,
        "raw_path": path.encode(), "query_string": b"", "headers": [],
        "http_version": "1.1", "scheme": "http", "root_path": "",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
    }  # fmt: skip

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    return scope, receive


async def test_a_request_cancelled_before_answering_gets_a_503_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """uvicorn cancels the requests still running when its graceful timeout
    is over; tests/service/test_shutdown.py shows it with the real server."""
    reading = asyncio.Event()

    async def sign_in(request: Request) -> PlainTextResponse:
        reading.set()
        await request.body()
        raise AssertionError("unreachable")  # pragma: no cover

    app = UnhandledErrorMiddleware(
        Starlette(routes=[Route("/auth/token", sign_in, methods=["POST"])])
    )
    scope, receive = _cancellable_request("/auth/token")
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    request = asyncio.create_task(app(scope, receive, send))
    await reading.wait()
    request.cancel()
    # Answered, and the cancel not re-raised to the server to log as a crash.
    (outcome,) = await asyncio.gather(request, return_exceptions=True)
    assert outcome is None
    # And taken back: nothing after it in the task still sees a cancel pending.
    assert request.cancelling() == 0

    start, body = sent
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    assert start["status"] == 503
    assert (headers["retry-after"], headers["connection"]) == ("1", "close")
    assert json.loads(body["body"])["error"]["code"] == "service_unavailable"
    (warning,) = [r for r in caplog.records if r.name == "shop.core.errors"]
    assert (warning.levelname, warning.exc_info) == ("WARNING", None)


async def test_a_cancelled_task_the_handler_awaited_is_a_logged_500_not_a_503(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The request itself was not cancelled: a bug, not the server stopping."""

    async def price_lookup() -> int:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def quote(_: Request) -> PlainTextResponse:
        lookup = asyncio.create_task(price_lookup())
        await asyncio.sleep(0)
        lookup.cancel()  # the bug: something cancels the task the handler needs
        await lookup
        raise AssertionError("unreachable")  # pragma: no cover

    app = UnhandledErrorMiddleware(Starlette(routes=[Route("/quote", quote)]))
    scope, receive = _cancellable_request("/quote")
    scope["method"] = "GET"
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)

    start, body = sent
    assert start["status"] == 500
    assert json.loads(body["body"])["error"]["code"] == "internal_server_error"
    (logged,) = [r for r in caplog.records if r.name == "shop.core.errors"]
    assert logged.levelname == "ERROR"
    assert logged.exc_info is not None
    assert logged.exc_info[0] is asyncio.CancelledError


async def test_a_request_cancelled_after_its_response_started_is_not_answered_again() -> (
    None
):
    async def order_events() -> AsyncIterator[bytes]:
        yield b"data: order 1 paid\n\n"
        await asyncio.Event().wait()  # the next event never comes

    async def events(_: Request) -> StreamingResponse:
        return StreamingResponse(order_events(), media_type="text/event-stream")

    app = UnhandledErrorMiddleware(Starlette(routes=[Route("/orders/events", events)]))
    scope, receive = _cancellable_request("/orders/events")
    scope["method"] = "GET"
    first_event_sent = asyncio.Event()
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message.get("body"):
            first_event_sent.set()

    request = asyncio.create_task(app(scope, receive, send))
    await first_event_sent.wait()
    request.cancel()
    # Too late for a 503: the cancel goes on, for the server to cut the stream.
    with pytest.raises(asyncio.CancelledError):
        await request
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200


async def test_an_error_after_the_whole_body_is_not_a_cut(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A background task runs after the last byte: the client got it all."""
    app = create_app(settings)

    async def notify_warehouse() -> None:
        raise RuntimeError("warehouse unreachable")

    async def export() -> PlainTextResponse:
        return PlainTextResponse(
            "order_id,total_cents\n", background=BackgroundTask(notify_warehouse)
        )

    app.add_api_route("/export", export)
    capsys.readouterr()
    async with _client(app) as client:
        with pytest.raises(RuntimeError, match="warehouse unreachable"):
            await client.get("/export")

    (access,) = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["logger"] == "shop.access"
    ]
    assert (access["level"], access["status"], access["body_cut"]) == (
        "INFO",
        200,
        False,
    )


# --- HTTP details every client relies on ---------------------------------------------


async def test_every_response_says_nosniff_errors_and_preflights_included(
    app: FastAPI, client: AsyncClient, alice: dict[str, Any]
) -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken", broken)
    auth = alice["headers"]
    responses = {
        200: await client.get("/users/me", headers=auth),
        401: await client.get("/users/me"),
        404: await client.get("/no/such/page"),
        405: await client.delete("/users/me"),
        422: await client.post("/users", json={}),
        "preflight 400": await client.options(
            "/orders",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
            },
        ),
        "malformed length 400": await client.post(
            "/users", content=b"{}", headers={"Content-Length": "abc"}
        ),
    }
    async with _client(app, raise_app_exceptions=False) as crashing:
        responses[500] = await crashing.get("/broken")

    for status, response in responses.items():
        assert response.headers["x-content-type-options"] == "nosniff", status


async def test_tokens_and_personal_data_are_never_stored_by_a_cache(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    auth = alice["headers"]
    personal = {
        "POST /auth/token": await client.post(
            "/auth/token", data={"username": "alice@example.com", "password": PASSWORD}
        ),
        "POST /users": await client.post(
            "/users",
            json={"email": "bob@example.com", "name": "Bob", "password": PASSWORD},
        ),
        "GET /users/me": await client.get("/users/me", headers=auth),
        "PATCH /users/me": await client.patch(
            "/users/me", headers=auth, json={"name": "Alice L."}
        ),
        "GET /users/{id}": await client.get(f"/users/{alice['id']}", headers=auth),
        "GET /orders": await client.get("/orders", headers=auth),
    }

    for operation, response in personal.items():
        assert response.status_code < 300, (operation, response.text)
        # RFC 6749, section 5.1, for the token; the same for personal data.
        assert response.headers["cache-control"] == "no-store", operation
        assert response.headers["pragma"] == "no-cache", operation


async def test_an_endpoint_that_chose_a_caching_policy_keeps_it(
    client: AsyncClient, alice: dict[str, Any], add_products: ProductFactory
) -> None:
    await add_products({"MUG-1": 1250})
    placed = await client.post(
        "/orders",
        headers=alice["headers"],
        json={"items": [{"sku": "MUG-1", "quantity": 1}]},
    )

    order = await client.get(placed.headers["location"], headers=alice["headers"])

    # Revalidated with its ETag, never kept by a shared cache (API-ETAG).
    assert order.headers["cache-control"] == "private, no-cache"
    assert "pragma" not in order.headers


@pytest.mark.parametrize("path", ["/health/live", "/products", "/users/me"])
async def test_head_answers_with_the_gets_status_and_headers_and_no_body(
    client: AsyncClient, alice: dict[str, Any], path: str
) -> None:
    get = await client.get(path, headers=alice["headers"])
    head = await client.head(path, headers=alice["headers"])

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "cache-control"):
        assert head.headers[name] == get.headers[name], name


async def test_head_keeps_the_etag_and_the_conditional_304(
    client: AsyncClient, alice: dict[str, Any], add_products: ProductFactory
) -> None:
    await add_products({"MUG-1": 1250})
    placed = await client.post(
        "/orders",
        headers=alice["headers"],
        json={"items": [{"sku": "MUG-1", "quantity": 1}]},
    )
    url = placed.headers["location"]

    get = await client.get(url, headers=alice["headers"])
    head = await client.head(url, headers=alice["headers"])
    unchanged = await client.head(
        url, headers=alice["headers"] | {"If-None-Match": get.headers["etag"]}
    )

    assert (head.status_code, head.headers["etag"]) == (200, get.headers["etag"])
    assert unchanged.status_code == 304


async def test_head_on_a_path_without_get_is_a_405_and_is_logged_as_head(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)
    capsys.readouterr()

    async with _client(app) as client:
        response = await client.head("/users")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    (line,) = json_log_lines(capsys.readouterr().out)
    assert (line["method"], line["status"]) == ("HEAD", 405)
