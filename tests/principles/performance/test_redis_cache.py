"""Evidence for PERF-REDIS-CACHE: profiles are cached in a real Redis, dropped on
write, a read that raced a write cannot store the old row, and a Redis that is
down or hanging costs a warning, never an error."""

import asyncio
import contextvars
import inspect
import json
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.database import create_engine, create_session_factory, get_db
from shop.core.main import create_app
from shop.shared.cache import ResponseCache, create_cache, lease_key
from shop.shared.rate_limit import SharedRateLimiter
from shop.users.models import User
from shop.users.repository import UserRepository
from shop.users.schemas import UserUpdate
from shop.users.security import PasswordHasher
from shop.users.service import UserService, profile_cache_key
from shop.users.throttling import create_sign_in_throttle
from tests.support.logs import json_log_lines
from tests.support.pages import prose
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    client_for,
    configured,
    lifespan_client,
    load_script,
    on_database,
    running,
)
from tests.support.stalled_servers import (
    REDIS_PY_DEFAULT_TIMEOUT,
    StalledServer,
    each_stall,
)
from throwaway.redis import RedisServer

AppFactory = Callable[[str], FastAPI]
PAGE = DOCS_DIR / "principles" / "performance" / "redis-cache.md"
TTL_SECONDS = Settings.model_fields["cache_ttl_seconds"].default


def _present(value: bytes | str | None) -> bytes | str:
    """A value read back from Redis, which must be there."""
    assert value is not None, "the key is not in Redis"
    return value


@pytest.fixture
def app_with_cache(settings: Settings, session: AsyncSession) -> AppFactory:
    """Build the app with its cache on a given Redis URL, sharing the test's session."""

    def build(redis_url: str) -> FastAPI:
        app = create_app(
            configured(settings, redis_url=redis_url, cache_timeout_seconds=0.2)
        )

        async def override_get_db() -> AsyncIterator[AsyncSession]:
            yield session

        app.dependency_overrides[get_db] = override_get_db
        return app

    # Each app's lifespan closes its cache (client_for runs it).
    return build


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the session's Redis, to look at what the app stored."""
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


def _cache_warnings(out: str) -> list[dict[str, Any]]:
    return [
        line for line in json_log_lines(out) if line["message"] == "cache unavailable"
    ]


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
    assert json.loads(_present(await redis.get(key))) == first.json()
    assert 0 < await redis.ttl(key) <= TTL_SECONDS
    # The fill gave its lease back.
    assert await redis.exists(lease_key(key)) == 0


# What a release whose schema named a field differently stored under the
# same key (its version not bumped), and a copy cut off inside a character.
UNREADABLE_DOCUMENTS = {
    "another schema": (
        json.dumps({"full_name": "Alice", "email": "old@example.com"}).encode(),
        "missing at ['id']",
    ),
    "not UTF-8": (
        '{"name": "Zoë", "email": "old@example.com"}'.encode()[:13],
        "json_invalid at []",
    ),
}


@pytest.mark.parametrize(
    ("stored", "first_error"),
    list(UNREADABLE_DOCUMENTS.values()),
    ids=list(UNREADABLE_DOCUMENTS),
)
async def test_a_cached_document_the_schema_cannot_read_is_dropped_not_a_500(
    app_with_cache: AppFactory,
    redis_url: str,
    redis: Redis,
    alice: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    stored: bytes,
    first_error: str,
) -> None:
    key = profile_cache_key(alice["id"])
    await redis.set(key, stored, ex=TTL_SECONDS)

    async with client_for(app_with_cache(redis_url)) as client:
        first = await client.get(f"/users/{alice['id']}", headers=alice["headers"])
        second = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert [first.status_code, second.status_code] == [200, 200]
    assert first.json()["name"] == second.json()["name"] == "Alice"
    # The first read dropped the copy; the second stored a fresh one.
    assert json.loads(_present(await redis.get(key))) == second.json()
    (warning,) = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["message"] == "cache document unreadable, dropped"
    ]
    assert warning["level"] == "WARNING"
    assert warning["key"] == key
    assert warning["first_error"] == first_error
    assert "old@example.com" not in json.dumps(warning)  # never the document


async def test_a_new_key_version_never_reads_a_document_of_the_old_one(
    app_with_cache: AppFactory,
    redis: Redis,
    redis_url: str,
    alice: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shop.users import service

    old_key = profile_cache_key(alice["id"])
    # A document in a shape the new code no longer reads, under the old key.
    await redis.set(old_key, json.dumps({"full_name": "Alice", "id": alice["id"]}))
    monkeypatch.setattr(
        service, "profile_cache_key", lambda user_id: f"shop:users:profile:v2:{user_id}"
    )
    async with client_for(app_with_cache(redis_url)) as client:
        response = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert response.status_code == 200
    assert response.json()["name"] == "Alice"
    assert await redis.exists(f"shop:users:profile:v2:{alice['id']}") == 1
    assert "the key in one function with a version in it" in prose(PAGE)


async def test_a_deleted_account_is_refused_at_once_though_its_profile_is_cached(
    app_with_cache: AppFactory,
    redis: Redis,
    redis_url: str,
    session: AsyncSession,
    alice: dict[str, Any],
) -> None:
    async with client_for(app_with_cache(redis_url)) as client:
        cached = await client.get(f"/users/{alice['id']}", headers=alice["headers"])
        await session.delete(await session.get_one(User, alice["id"]))
        await session.flush()
        me = await client.get("/users/me", headers=alice["headers"])
        profile = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert cached.status_code == 200
    assert await redis.exists(profile_cache_key(alice["id"])) == 1
    assert [me.status_code, profile.status_code] == [401, 401]
    # The cached read serves one route: GET /users/{id}.
    callers = [
        path.name
        for path in (REPO_ROOT / "snippets" / "shop").rglob("*.py")
        if ".get_profile(" in path.read_text(encoding="utf-8")
    ]
    assert callers == ["router.py"]
    assert "`get_profile` serves `GET /users/{id}` only" in prose(PAGE)


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


# The races: the app on a database of its own, where every request has its
# own session and really commits, and a Redis of the test's own.


@pytest.fixture(scope="module")
async def committing_database(create_database: DatabaseFactory) -> str:
    """A migrated database of this module's own: the races below commit for real."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    return url


@pytest.fixture
async def committing_client(
    settings: Settings, committing_database: str, own_redis: RedisServer
) -> AsyncIterator[AsyncClient]:
    """The app on a real pool (a session per request) and the test's own Redis."""
    app = create_app(
        on_database(settings, committing_database, redis_url=own_redis.url)
    )
    async with client_for(app) as client:
        yield client


async def _signed_in(client: AsyncClient, email: str) -> dict[str, Any]:
    account = {"email": email, "name": "Alice", "password": PASSWORD}
    registered = await client.post("/users", json=account)
    assert registered.status_code == 201, registered.text
    token = await client.post(
        "/auth/token", data={"username": email, "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return {**registered.json(), "headers": headers}


# Set by the service method a pause waits inside, in that request's task only.
_INSIDE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "inside", default=None
)


def _mark(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> None:
    """From the moment ``owner.name`` runs, its request is marked with ``name``."""
    original = getattr(owner, name)

    async def marked(*args: Any, **kwargs: Any) -> Any:
        _INSIDE.set(name)
        return await original(*args, **kwargs)

    monkeypatch.setattr(owner, name, marked)


def _pause(
    monkeypatch: pytest.MonkeyPatch,
    owner: type,
    name: str,
    *,
    inside: str,
    after: bool,
    reached: asyncio.Event,
    resume: asyncio.Event,
) -> None:
    """``owner.name``, in a request marked ``inside``, waits for ``resume``.

    It waits after the call returns (``after``) or before it starts; every
    other request calls it unchanged.
    """
    original: Callable[..., Awaitable[Any]] = getattr(owner, name)

    async def paused(*args: Any, **kwargs: Any) -> Any:
        if _INSIDE.get() == inside and not after:
            reached.set()
            await resume.wait()
        result = await original(*args, **kwargs)
        if _INSIDE.get() == inside and after:
            reached.set()
            await resume.wait()
        return result

    monkeypatch.setattr(owner, name, paused)


async def test_a_read_that_loaded_the_row_before_a_write_cannot_store_it_after(
    committing_client: AsyncClient,
    own_redis: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = committing_client
    alice = await _signed_in(client, "alice.late-reader@example.com")
    loaded, written = asyncio.Event(), asyncio.Event()
    # The profile read stops right after its row arrives from PostgreSQL.
    _mark(monkeypatch, UserService, "get_profile")
    _pause(monkeypatch, UserRepository, "get", inside="get_profile", after=True,
           reached=loaded, resume=written)  # fmt: skip

    reader = asyncio.create_task(
        client.get(f"/users/{alice['id']}", headers=alice["headers"])
    )
    async with asyncio.timeout(10):
        await loaded.wait()
    # The write commits and invalidates while the reader holds the old row.
    patched = await client.patch(
        "/users/me", json={"name": "Alice Liddell"}, headers=alice["headers"]
    )
    written.set()
    late = await reader
    reread = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert patched.status_code == 200
    assert late.json()["name"] == "Alice"  # it began before the write
    assert reread.json()["name"] == "Alice Liddell"
    async with Redis.from_url(own_redis.url, decode_responses=True) as redis:
        cached = await redis.get(profile_cache_key(alice["id"]))
    assert json.loads(_present(cached))["name"] == "Alice Liddell"


async def test_a_read_between_a_writes_start_and_its_commit_is_dropped_by_it(
    committing_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = committing_client
    alice = await _signed_in(client, "alice.early-reader@example.com")
    at_commit, read = asyncio.Event(), asyncio.Event()
    # The write stops just before its commit.
    _mark(monkeypatch, UserService, "update")
    _pause(monkeypatch, AsyncSession, "commit", inside="update", after=False,
           reached=at_commit, resume=read)  # fmt: skip

    writer = asyncio.create_task(
        client.patch(
            "/users/me", json={"name": "Alice Liddell"}, headers=alice["headers"]
        )
    )
    async with asyncio.timeout(10):
        await at_commit.wait()
    # A miss now loads the row the write has not committed yet, and stores it.
    early = await client.get(f"/users/{alice['id']}", headers=alice["headers"])
    read.set()
    patched = await writer
    reread = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert early.json()["name"] == "Alice"
    assert patched.status_code == 200
    # The write's invalidation, after its commit, dropped what the read stored.
    assert reread.json()["name"] == "Alice Liddell"


async def test_a_profile_is_read_from_the_database_even_if_the_session_holds_the_row(
    settings: Settings, committing_database: str, own_redis: RedisServer
) -> None:
    engine = create_engine(on_database(settings, committing_database))
    sessions = create_session_factory(engine)
    cache = create_cache(own_redis.url, ttl_seconds=60, timeout_seconds=1)
    hasher = PasswordHasher(concurrency=1, queue_timeout_seconds=10)
    throttle = create_sign_in_throttle(
        SharedRateLimiter(None, timeout_seconds=1), settings
    )
    try:
        async with sessions() as setup:
            user_id = await setup.scalar(
                insert(User)
                .values(
                    email="ada.held@example.com",
                    name="Ada",
                    password_hash=await hasher.hash(PASSWORD),
                )
                .returning(User.id)
            )
            await setup.commit()
        assert user_id is not None
        async with sessions() as reading, sessions() as writing:
            reader = UserService(reading, hasher, cache, throttle)
            # The session loads the row (as authentication does) and keeps it.
            held = await reader.get(user_id)
            await UserService(writing, hasher, cache, throttle).update(
                user_id, UserUpdate(name="Ada Lovelace"), client="127.0.0.1"
            )
            profile = await reader.get_profile(user_id)
        assert held.name == "Ada Lovelace"  # refreshed in place by the read
        assert profile.name == "Ada Lovelace"
        async with sessions() as later:
            cached = await UserService(later, hasher, cache, throttle).get_profile(
                user_id
            )
        assert cached.name == "Ada Lovelace"
    finally:
        await cache.aclose()
        await engine.dispose()


class Greeting(BaseModel):
    text: str


async def test_a_miss_while_another_reader_fills_reads_the_database_and_stores_nothing(
    redis_url: str, redis: Redis
) -> None:
    cache = create_cache(redis_url, ttl_seconds=60, timeout_seconds=1)
    key = "shop:test:greeting:busy"
    first_loading, second_done = asyncio.Event(), asyncio.Event()

    async def first_load() -> Greeting:
        first_loading.set()
        await second_done.wait()
        return Greeting(text="from the first reader")

    async def second_load() -> Greeting:
        return Greeting(text="from the second reader")

    try:
        first = asyncio.create_task(cache.read_through(key, Greeting, first_load))
        await first_loading.wait()
        second = await cache.read_through(key, Greeting, second_load)
        assert await redis.get(key) is None  # the second held no lease
        second_done.set()
        await first
    finally:
        await cache.aclose()

    assert second.text == "from the second reader"
    assert Greeting.model_validate_json(_present(await redis.get(key))).text == (
        "from the first reader"
    )


async def test_a_read_that_outlives_its_lease_stores_nothing(
    redis_url: str, redis: Redis
) -> None:
    cache = create_cache(redis_url, ttl_seconds=60, timeout_seconds=1)
    cache.lease_ms = 1
    key = "shop:test:greeting:slow"

    async def slow_load() -> Greeting:
        # Slower than the lease: wait until Redis has expired it.
        async with asyncio.timeout(5):
            # Redis, not this process, ends the wait: there is no event.
            while await redis.exists(lease_key(key)):  # noqa: ASYNC110
                await asyncio.sleep(0.001)
        return Greeting(text="read too slowly")

    try:
        greeting = await cache.read_through(key, Greeting, slow_load)
    finally:
        await cache.aclose()

    assert greeting.text == "read too slowly"
    assert await redis.exists(key) == 0


async def test_a_reader_holds_its_lease_for_ten_seconds(
    redis_url: str, redis: Redis
) -> None:
    cache = create_cache(redis_url, ttl_seconds=60, timeout_seconds=1)
    key = "shop:test:greeting:leased"
    lease_left_ms: int | None = None

    async def load_and_read_the_lease() -> Greeting:
        nonlocal lease_left_ms
        lease_left_ms = await redis.pttl(lease_key(key))
        return Greeting(text="from the database")

    try:
        await cache.read_through(key, Greeting, load_and_read_the_lease)
    finally:
        await cache.aclose()

    # Set with PX 10000 just before the load began; Redis counts it down.
    assert lease_left_ms is not None
    assert 9_000 < lease_left_ms <= 10_000
    assert "**A read slower than its lease** (10 seconds)" in prose(PAGE)


@each_stall
async def test_a_stalled_redis_holds_a_read_for_the_cache_timeout_not_redis_pys(
    stalled_redis: StalledServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def load() -> Greeting:
        return Greeting(text="from the database")

    with stalled_redis() as url:
        cache = create_cache(url, ttl_seconds=60, timeout_seconds=0.2)
        try:
            async with asyncio.timeout(REDIS_PY_DEFAULT_TIMEOUT / 2):
                greeting = await cache.read_through(
                    "shop:test:greeting:stalled", Greeting, load
                )
        finally:
            await cache.aclose()

    assert greeting.text == "from the database"
    (warning,) = [r for r in caplog.records if r.message == "cache unavailable"]
    assert warning.__dict__["operation"] == "lookup"
    assert "Timeout" in warning.__dict__["error"]


async def test_an_invalidation_that_fails_leaves_the_old_copy_until_its_ttl(
    app_with_cache: AppFactory,
    redis_url: str,
    redis: Redis,
    alice: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = app_with_cache(redis_url)
    async with (
        running(app) as served,
        AsyncClient(
            transport=ASGITransport(app=served), base_url="http://test"
        ) as client,
    ):
        await client.get(f"/users/{alice['id']}", headers=alice["headers"])

        async def unreachable(*_keys: str) -> int:
            raise RedisConnectionError("Redis went away for this one call")

        monkeypatch.setattr(served.state["cache"].redis, "delete", unreachable)
        patched = await client.patch(
            "/users/me", json={"name": "Alice Liddell"}, headers=alice["headers"]
        )
        reread = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert patched.json()["name"] == "Alice Liddell"
    assert reread.json()["name"] == "Alice"
    assert 0 < await redis.ttl(profile_cache_key(alice["id"])) <= TTL_SECONDS
    (warning,) = _cache_warnings(capsys.readouterr().out)
    assert warning["operation"] == "invalidate"


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
    warnings = _cache_warnings(capsys.readouterr().out)
    # Each read: a failed lookup, so no lease and no fill; the write: a
    # failed invalidation. Each names the key and the error it met.
    key = profile_cache_key(alice["id"])
    assert [(w["operation"], w["key"]) for w in warnings] == [
        ("lookup", key),
        ("invalidate", key),
        ("lookup", key),
    ]
    assert {w["level"] for w in warnings} == {"WARNING"}
    assert all("ConnectionError" in w["error"] for w in warnings)
    # --8<-- [end:redis-down]


# --8<-- [start:unguarded]
async def test_without_the_guard_a_stopped_redis_is_a_500(
    capsys: pytest.CaptureFixture[str],
    app_with_cache: AppFactory,
    own_redis: RedisServer,
    alice: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --8<-- [start:lead-unguarded]
    async def unguarded_lookup(self: ResponseCache, key: str) -> tuple[None, None]:
        await self._lookup_script(keys=[key, lease_key(key)], args=["t", 1000])
        return None, None

    monkeypatch.setattr(ResponseCache, "_lookup", unguarded_lookup)
    app = app_with_cache(own_redis.url)
    own_redis.stop()
    async with lifespan_client(app, raise_app_exceptions=False) as client:
        response = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert response.status_code == 500
    logged = json_log_lines(capsys.readouterr().out)
    (error,) = [line for line in logged if line["message"] == "unhandled error"]
    assert "redis.exceptions.ConnectionError" in error["exception"]
    # --8<-- [end:lead-unguarded]
    # --8<-- [end:unguarded]


def test_the_timeouts_are_what_the_page_says() -> None:
    parameters = inspect.signature(Redis.__init__).parameters
    ours = Settings.model_fields["cache_timeout_seconds"].default
    lease = inspect.signature(ResponseCache.__init__).parameters["lease_seconds"]

    assert parameters["socket_connect_timeout"].default == 5
    assert parameters["socket_timeout"].default == 5
    assert ours == 0.25
    assert TTL_SECONDS == 300
    assert lease.default == 10
    page = prose(PAGE)
    assert "leaves the old copy until its TTL, 300 seconds by default" in page
    assert "**A read slower than its lease** (10 seconds)" in page
    assert (
        "`socket_connect_timeout` plus `socket_timeout`, both 5 seconds by default"
        in page
    )
    assert "default `CACHE_TIMEOUT_SECONDS` is 0.25" in page


async def test_a_hanging_redis_costs_a_read_one_timeout_not_an_error(
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
    warnings = _cache_warnings(capsys.readouterr().out)
    # The lookup timed out: no lease, so no fill to wait for.
    assert [w["operation"] for w in warnings] == ["lookup"]
    assert "Timeout" in warnings[0]["error"]
    assert "a read against such a Redis waits for one timed-out lookup" in prose(PAGE)


async def test_a_redis_that_hangs_after_the_lookup_costs_the_store_one_timeout(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    cache = create_cache(own_redis.url, ttl_seconds=60, timeout_seconds=0.2)

    async def load_while_redis_freezes() -> Greeting:
        own_redis.process.send_signal(signal.SIGSTOP)
        return Greeting(text="from the database")

    try:
        greeting = await cache.read_through(
            "shop:test:greeting:frozen", Greeting, load_while_redis_freezes
        )
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
        await cache.aclose()

    assert greeting.text == "from the database"
    (warning,) = [r for r in caplog.records if r.message == "cache unavailable"]
    assert warning.levelname == "WARNING"
    assert warning.__dict__["operation"] == "fill"
    assert warning.__dict__["key"] == "shop:test:greeting:frozen"
    assert "Timeout" in warning.__dict__["error"]


async def _connections_one_get_opens(build: Callable[[str], Redis]) -> int:
    """Connections a hanging server receives while one ``GET`` gives up."""
    accepted = 0

    async def never_answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal accepted
        accepted += 1
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        client = build(f"redis://127.0.0.1:{port}/0")
        with pytest.raises(RedisTimeoutError):
            await client.get("shop:users:profile:v1:1")
        await client.aclose()
    return accepted


async def test_from_url_gives_up_after_one_attempt_the_constructor_after_eleven() -> (
    None
):
    def services_client(url: str) -> Redis:
        cache = create_cache(url, ttl_seconds=60, timeout_seconds=0.05)
        assert cache.redis is not None
        return cache.redis

    def constructed_client(url: str) -> Redis:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        return Redis(
            host="127.0.0.1",
            port=port,
            socket_connect_timeout=0.05,
            socket_timeout=0.05,
        )

    assert await _connections_one_get_opens(services_client) == 1
    assert await _connections_one_get_opens(constructed_client) == 11
    # What the constructor's default Retry is: why eleven, and what else.
    retry = constructed_client("redis://127.0.0.1:6379/0").get_retry()
    assert retry is not None
    assert retry.get_retries() == 10
    assert set(retry._supported_errors) == {RedisConnectionError, RedisTimeoutError}
    assert isinstance(retry._backoff, ExponentialWithJitterBackoff)
    assert retry._backoff._cap == 1
    page = prose(PAGE)
    assert (
        "the `Redis(...)` constructor retries a command that fails on a timeout "
        "or a lost connection ten times by default, with an exponential backoff "
        "of up to one second between attempts" in page
    )


async def test_without_a_redis_url_every_read_goes_to_the_database(
    app: FastAPI, alice: dict[str, Any]
) -> None:
    async with (
        running(app) as served,
        AsyncClient(
            transport=ASGITransport(app=served), base_url="http://test"
        ) as client,
    ):
        response = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert served.state["cache"].redis is None
    assert response.status_code == 200
    assert response.json()["name"] == "Alice"
