"""Specification of the service when its database fails: down, frozen, saturated.

The database sits behind a proxy that can refuse, cut or freeze connections
(db_proxy.py). The app runs with its real engine and lifespan, as under
uvicorn. Each fault must give a quick 503 in the common error body, logged
as a warning rather than a crash, and the service must recover by itself.
The hang guards are generous limits against a stuck test, not speed targets.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
from db_proxy import DatabaseProxy, database_proxy
from fastapi import Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    assert_error,
    load_script,
    running,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.main import create_app

HANG_GUARD_SECONDS = 30
# What _every_endpoint gets from a healthy service: the unknown order is a
# 404 and the unknown SKU a 422, so every request reached the database.
RECOVERED = [200, 201, 200, 200, 200, 200, 404, 422, 200]


@pytest.fixture(scope="module")
async def own_database_url(create_database: DatabaseFactory) -> str:
    """A migrated database of this module's own: these tests commit rows."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    return url


@pytest.fixture
async def proxy(own_database_url: str) -> AsyncIterator[DatabaseProxy]:
    """A proxy in front of this module's database."""
    async with database_proxy(own_database_url) as proxy:
        yield proxy


def _settings_via(
    proxy: DatabaseProxy, settings: Settings, **overrides: Any
) -> Settings:
    return settings.model_copy(update={"database_url": proxy.url()} | overrides)


@pytest.fixture
async def shop(
    proxy: DatabaseProxy, settings: Settings
) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """The app through the proxy, with short timeouts, started as a server would."""
    app = create_app(
        _settings_via(
            proxy,
            settings,
            database_connect_timeout_seconds=1.0,
            database_command_timeout_seconds=1.0,
            database_pool_timeout_seconds=1.0,
        )
    )
    async with (
        running(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield app, client


async def _signed_in(client: AsyncClient) -> dict[str, str]:
    email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
    created = await client.post(
        "/users", json={"email": email, "name": "Grace Hopper", "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    token = await client.post(
        "/auth/token", data={"username": email, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _every_endpoint(client: AsyncClient, headers: dict[str, str]) -> list[Any]:
    """One request to each database-backed endpoint, each within the hang guard."""
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    requests = [
        client.get("/health/ready"),
        client.post(
            "/users", json={"email": email, "name": "Ada", "password": PASSWORD}
        ),
        client.post("/auth/token", data={"username": email, "password": PASSWORD}),
        client.get("/users/me", headers=headers),
        client.patch("/users/me", headers=headers, json={"name": "Grace"}),
        client.get("/orders", headers=headers),
        client.get("/orders/1", headers=headers),
        client.post(
            "/orders",
            headers=headers,
            json={"items": [{"sku": "MUG-1", "quantity": 1}]},
        ),
        client.get("/products"),
    ]
    return [await asyncio.wait_for(r, HANG_GUARD_SECONDS) for r in requests]


def _log_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def _log(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return _log_lines(capsys.readouterr().out)


def _client(app: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://test")


# --8<-- [start:database-down]
async def test_with_the_database_down_every_endpoint_is_a_503_then_recovers(
    shop: tuple[FastAPI, AsyncClient],
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, client = shop
    headers = await _signed_in(client)

    await proxy.stop()
    capsys.readouterr()
    during = await _every_endpoint(client, headers)
    log = _log(capsys)

    for response in during:
        assert_error(response, 503, "service_unavailable")
    assert (await client.get("/health/live")).status_code == 200
    # An outage is expected operation, not a bug: warnings, no tracebacks.
    assert {line["level"] for line in log} <= {"INFO", "WARNING"}
    assert not any("exception" in line for line in log)

    await proxy.start()
    after = await _every_endpoint(client, headers)

    # The same app, not restarted: its pool replaced the dead connections.
    assert [r.status_code for r in after] == RECOVERED
    # --8<-- [end:database-down]


# --8<-- [start:database-frozen]
async def test_with_the_database_frozen_requests_end_in_503_not_a_hang(
    shop: tuple[FastAPI, AsyncClient],
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, client = shop
    headers = await _signed_in(client)

    proxy.freeze()
    capsys.readouterr()
    during = await _every_endpoint(client, headers)
    log = _log(capsys)

    for response in during:
        assert_error(response, 503, "service_unavailable")
    # A timeout ended each wait: nothing was refused, the database just
    # never answered.
    causes = {line.get("error") for line in log if line["level"] == "WARNING"}
    assert causes <= {"TimeoutError", "TimeoutError()"}, causes

    proxy.thaw()
    after = await _every_endpoint(client, headers)
    assert [r.status_code for r in after] == RECOVERED
    # --8<-- [end:database-frozen]


# --8<-- [start:pool-exhausted]
async def test_with_the_pool_exhausted_a_request_is_a_quick_503(
    proxy: DatabaseProxy, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(
        _settings_via(
            proxy,
            settings,
            database_pool_size=1,
            database_max_overflow=0,
            database_pool_timeout_seconds=0.5,
        )
    )
    async with (
        running(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        # Another request (here: the test) holds the only connection.
        async with app.state.engine.connect():
            capsys.readouterr()
            response = await asyncio.wait_for(
                client.get("/products"), HANG_GUARD_SECONDS
            )
        assert_error(response, 503, "service_unavailable")
        [warning] = [line for line in _log(capsys) if line["level"] == "WARNING"]
        assert warning["error"] == "TimeoutError"

        # Released, the connection serves the next request.
        assert (await client.get("/products")).status_code == 200
    # --8<-- [end:pool-exhausted]


# --8<-- [start:statement-timeout]
async def test_a_statement_over_the_server_side_timeout_is_a_503(
    own_database_url: str, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(
        settings.model_copy(
            update={
                "database_url": own_database_url,
                "database_statement_timeout_ms": 200,
            }
        )
    )

    async def slow_report(db: Annotated[AsyncSession, Depends(get_db)]) -> None:
        await db.execute(text("SELECT pg_sleep(5)"))

    app.add_api_route("/reports/slow", slow_report)
    async with running(app), _client(app) as client:
        capsys.readouterr()
        response = await asyncio.wait_for(
            client.get("/reports/slow"), HANG_GUARD_SECONDS
        )

    # PostgreSQL cancelled it (SQLSTATE 57014): the database protected itself.
    assert_error(response, 503, "service_unavailable")
    [warning] = [line for line in _log(capsys) if line["level"] == "WARNING"]
    assert warning["error"] == "DBAPIError"
    # --8<-- [end:statement-timeout]


# --8<-- [start:sql-error-log]
async def test_a_database_bug_is_a_500_logged_once_without_sql_parameters(
    create_database: DatabaseFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Forgot to migrate: every query fails, a bug rather than an outage.
    unmigrated = await create_database()
    app = create_app(settings.model_copy(update={"database_url": unmigrated}))
    async with running(app), _client(app) as client:
        capsys.readouterr()
        response = await client.post(
            "/auth/token",
            data={"username": "grace@example.com", "password": "hunter2-hunter2"},
        )
    output = capsys.readouterr().out

    assert_error(response, 500, "internal_server_error")
    [error] = [line for line in _log_lines(output) if line["level"] == "ERROR"]
    assert 'relation "users" does not exist' in error["exception"]
    assert "[SQL parameters hidden due to hide_parameters=True]" in error["exception"]
    assert "grace@example.com" not in output
    assert "hunter2" not in output
    # --8<-- [end:sql-error-log]
