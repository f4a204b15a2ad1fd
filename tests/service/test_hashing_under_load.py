"""Specification: a burst of sign-ins does not stall the rest of the service.

Argon2 with the production parameters costs a few hundred milliseconds of
CPU per sign-in. The service hashes in a worker thread, one hash at a time
(``PasswordHasher``), so the event loop stays free for every other request.

Each test measures the median latency of ``GET /health/live`` on the same
app, first idle and then while several clients sign in over and over, and
compares the two: a ratio, never an absolute time, so a slow or noisy
machine moves both sides. The naive form, hashing on the event loop, is
measured the same way and must break the bound, which shows the measurement
can tell the two apart. Every loop is bounded in requests and in time.
"""

import asyncio
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import uvicorn
from httpx import AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from shop.core.config import Settings
from shop.core.main import create_app
from shop.users import security
from shop.users.dependencies import get_password_hasher
from shop.users.security import BeforeHashing, PasswordHasher
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    load_script,
    on_database,
)

SIGNING_IN_CLIENTS = 6
# Probes of /health/live: this many at most, one per interval, for at most
# the window (a stalled loop answers few), and at least the minimum.
PROBES = 30
PROBE_INTERVAL_SECONDS = 0.1
PROBE_WINDOW_SECONDS = 3.0
MIN_PROBES = 5
MAX_SIGN_INS_PER_CLIENT = 10
HANG_GUARD_SECONDS = 120
# Generous: a loaded event loop that stays free answers within a few times
# its idle latency; one that hashes answers after whole hashes.
MAX_SLOWDOWN = 5


class HashingOnTheEventLoop(PasswordHasher):
    """The naive form: Argon2 called directly inside the request's coroutine."""

    async def hash(self, password: str) -> str:
        return security._password_hash.hash(password)

    async def verify(
        self,
        password: str,
        password_hash: str,
        *,
        before: BeforeHashing | None = None,
    ) -> bool:
        if before is not None:
            await before()  # the account's attempt, counted as in a slot
        return security._password_hash.verify(password, password_hash)


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the service's own cost, not the tests' cheap one."""
    monkeypatch.setattr(
        security, "_password_hash", PasswordHash((Argon2Hasher(parallelism=1),))
    )


@pytest.fixture(scope="module")
async def own_database_url(create_database: DatabaseFactory) -> str:
    """A migrated database of this module's own: sign-ups commit rows."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    return url


ShopFactory = Callable[[PasswordHasher | None], AbstractContextManager[str]]


@pytest.fixture
def shop(settings: Settings, own_database_url: str) -> ShopFactory:
    """Serve the app with uvicorn in a thread of its own; yields its base URL.

    The clients run on the test's event loop, outside the server's, so a
    stalled server loop shows in their timings. The app may get another
    password hasher.
    """

    @contextmanager
    def serve(hasher: PasswordHasher | None) -> Iterator[str]:
        app = create_app(
            on_database(
                settings,
                own_database_url,
                # The loop's responsiveness is measured here, not the
                # queue's bound: no sign-in may give up waiting (60 s, the
                # most the setting allows).
                password_hash_queue_timeout_seconds=60,
            )
        )
        if hasher is not None:
            app.dependency_overrides[get_password_hasher] = lambda: hasher
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while not server.started:
            assert thread.is_alive()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (port,) = {sock.getsockname()[1] for s in server.servers for sock in s.sockets}
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(HANG_GUARD_SECONDS)

    return serve


async def _median_probe_seconds(client: AsyncClient) -> float:
    latencies: list[float] = []
    window_ends = time.monotonic() + PROBE_WINDOW_SECONDS
    while len(latencies) < PROBES and (
        len(latencies) < MIN_PROBES or time.monotonic() < window_ends
    ):
        started = time.perf_counter()
        response = await client.get("/health/live")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
        await asyncio.sleep(PROBE_INTERVAL_SECONDS)
    return statistics.median(latencies)


async def _slowdown_under_sign_ins(client: AsyncClient) -> float:
    """Median /health/live latency while clients sign in, over the idle median."""
    email = f"load-{uuid.uuid4().hex[:8]}@example.com"
    created = await client.post(
        "/users", json={"email": email, "name": "Load", "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    idle = await _median_probe_seconds(client)

    probing = asyncio.Event()
    sign_ins: list[int] = []

    async def sign_in_repeatedly() -> None:
        for _ in range(MAX_SIGN_INS_PER_CLIENT):
            if probing.is_set():
                return
            response = await client.post(
                "/auth/token", data={"username": email, "password": PASSWORD}
            )
            sign_ins.append(response.status_code)

    async def probe_under_load() -> float:
        # Let the sign-ins start and queue up before measuring.
        await asyncio.sleep(0.1)
        try:
            return await _median_probe_seconds(client)
        finally:
            probing.set()

    async with asyncio.timeout(HANG_GUARD_SECONDS):
        probe = asyncio.create_task(probe_under_load())
        clients = [sign_in_repeatedly() for _ in range(SIGNING_IN_CLIENTS)]
        await asyncio.gather(probe, *clients)
        loaded = probe.result()
    assert sign_ins, "no sign-in ran during the measurement"
    assert set(sign_ins) == {200}
    return loaded / idle


@pytest.mark.usefixtures("production_hashing")
async def test_sign_ins_in_a_worker_thread_leave_the_event_loop_responsive(
    shop: ShopFactory,
) -> None:
    with shop(None) as url:
        async with AsyncClient(base_url=url, timeout=HANG_GUARD_SECONDS) as client:
            slowdown = await _slowdown_under_sign_ins(client)
    assert slowdown < MAX_SLOWDOWN, f"/health/live {slowdown:.1f}x slower"


@pytest.mark.usefixtures("production_hashing")
async def test_hashing_on_the_event_loop_would_stall_every_request(
    shop: ShopFactory,
) -> None:
    with shop(
        HashingOnTheEventLoop(concurrency=1, queue_timeout_seconds=HANG_GUARD_SECONDS)
    ) as url:
        async with AsyncClient(base_url=url, timeout=HANG_GUARD_SECONDS) as client:
            slowdown = await _slowdown_under_sign_ins(client)
    assert slowdown >= MAX_SLOWDOWN, f"/health/live only {slowdown:.1f}x slower"
