"""Evidence for PERF-REDIS-CACHE: profiles are cached in a real Redis, dropped on
write, and a Redis that is down or hanging costs a warning, never an error."""

import asyncio
import inspect
import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from evidence import client_for, prose
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from redis_provider import RedisServer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.main import create_app
from shop.shared.cache import ResponseCache
from shop.users.models import User
from shop.users.service import profile_cache_key

AppFactory = Callable[[str], FastAPI]
PAGE = DOCS_DIR / "principles" / "performance" / "redis-cache.md"


@pytest.fixture
async def app_with_cache(
    settings: Settings, session: AsyncSession
) -> AsyncIterator[AppFactory]:
    """Build the app with its cache on a given Redis URL, sharing the test's session."""
    apps: list[FastAPI] = []

    def build(redis_url: str) -> FastAPI:
        app = create_app(
            settings.model_copy(
                update={"redis_url": redis_url, "cache_timeout_seconds": 0.2}
            )
        )

        async def override_get_db() -> AsyncIterator[AsyncSession]:
            yield session

        app.dependency_overrides[get_db] = override_get_db
        apps.append(app)
        return app

    yield build
    for app in apps:
        await app.state.cache.aclose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the session's Redis, to look at what the app stored."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def _log_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


async def test_a_profile_is_read_from_redis_until_it_expires(
    app_with_cache: AppFactory,
    redis_url: str,
    redis: Redis,
    session: AsyncSession,
    alice: dict[str, Any],
) -> None:
    async with client_for(app_with_cache(redis_url)) as client:
        first = await client.get(f"/users/{alice['id']}", headers=alice["headers"])
        # Behind the cache's back: the row changes, the cached copy does not.
        await session.execute(
            update(User).where(User.id == alice["id"]).values(name="Changed in SQL")
        )
        second = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert first.json() == second.json()
    assert second.json()["name"] == "Alice"
    key = profile_cache_key(alice["id"])
    assert json.loads(await redis.get(key)) == first.json()
    assert (
        0 < await redis.ttl(key) <= Settings.model_fields["cache_ttl_seconds"].default
    )


async def test_changing_a_profile_drops_its_cached_copy(
    app_with_cache: AppFactory, redis_url: str, redis: Redis, alice: dict[str, Any]
) -> None:
    async with client_for(app_with_cache(redis_url)) as client:
        await client.get(f"/users/{alice['id']}", headers=alice["headers"])
        patched = await client.patch(
            "/users/me", json={"name": "Alice Liddell"}, headers=alice["headers"]
        )
        assert await redis.exists(profile_cache_key(alice["id"])) == 0
        reread = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert patched.status_code == 200
    assert reread.json()["name"] == "Alice Liddell"


# --8<-- [start:redis-down]
async def test_with_redis_stopped_the_service_answers_from_the_database(
    app_with_cache: AppFactory,
    own_redis: RedisServer,
    alice: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with client_for(app_with_cache(own_redis.url)) as client:
        cached = await client.get(f"/users/{alice['id']}", headers=alice["headers"])
        own_redis.stop()
        read = await client.get(f"/users/{alice['id']}", headers=alice["headers"])
        patched = await client.patch(
            "/users/me", json={"name": "Alice Liddell"}, headers=alice["headers"]
        )
        reread = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert [r.status_code for r in (cached, read, patched, reread)] == [200] * 4
    assert read.json() == cached.json()
    assert reread.json()["name"] == "Alice Liddell"
    warnings = [
        line
        for line in _log_lines(capsys.readouterr().out)
        if line["message"] == "cache unavailable"
    ]
    # Each read: a failed get and a failed set; the write: a failed delete.
    assert [w["operation"] for w in warnings] == ["get", "set", "delete", "get", "set"]
    assert {w["level"] for w in warnings} == {"WARNING"}
    assert "ConnectionError" in warnings[0]["error"]
    # --8<-- [end:redis-down]


# --8<-- [start:unguarded]
async def test_without_the_guard_a_stopped_redis_is_a_500(
    capsys: pytest.CaptureFixture[str],
    app_with_cache: AppFactory,
    own_redis: RedisServer,
    alice: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def unguarded_get(self: ResponseCache, key: str) -> str | None:
        return await self.redis.get(key)  # type: ignore[union-attr]

    monkeypatch.setattr(ResponseCache, "get", unguarded_get)
    app = app_with_cache(own_redis.url)
    own_redis.stop()
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert response.status_code == 500
    logged = _log_lines(capsys.readouterr().out)
    (error,) = [line for line in logged if line["message"] == "unhandled error"]
    assert "redis.exceptions.ConnectionError" in error["exception"]
    # --8<-- [end:unguarded]


def test_the_timeouts_are_what_the_page_says() -> None:
    parameters = inspect.signature(Redis.__init__).parameters
    ours = Settings.model_fields["cache_timeout_seconds"].default

    assert parameters["socket_connect_timeout"].default == 5
    assert parameters["socket_timeout"].default == 5
    assert ours == 0.25
    page = prose(PAGE)
    assert (
        "`socket_connect_timeout` plus `socket_timeout`, both 5 seconds by default"
        in page
    )
    assert "default `CACHE_TIMEOUT_SECONDS` is 0.25" in page


async def test_a_hanging_redis_costs_a_read_its_timeout_not_an_error(
    app_with_cache: AppFactory,
    alice: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Listening but never answering, like a Redis stuck in a long command.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        async with client_for(app_with_cache(f"redis://127.0.0.1:{port}/0")) as client:
            response = await asyncio.wait_for(
                client.get(f"/users/{alice['id']}", headers=alice["headers"]),
                timeout=10,
            )

    assert response.status_code == 200
    assert response.json()["name"] == "Alice"
    warnings = [
        line
        for line in _log_lines(capsys.readouterr().out)
        if line["message"] == "cache unavailable"
    ]
    assert [w["operation"] for w in warnings] == ["get", "set"]
    assert "Timeout" in warnings[0]["error"]


async def test_without_a_redis_url_every_read_goes_to_the_database(
    app: FastAPI, client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert app.state.cache.redis is None
    assert response.status_code == 200
    assert response.json()["name"] == "Alice"
