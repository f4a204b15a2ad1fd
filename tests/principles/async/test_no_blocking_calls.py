"""Evidence for ASYNC-NO-BLOCKING: Nothing blocks the event loop.

Each test reproduces a claim docs/principles/async/no-blocking-calls.md makes,
against the real tool, library or service.
"""

import asyncio
import threading
import time
import tomllib
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from handbook.content.includes import expand
from shop.core.config import Settings
from shop.core.database import create_engine
from shop.core.main import create_app
from shop.users import security
from tests.support.linting import ruff_check_code
from tests.support.pages import prose
from tests.support.shop_fixtures import running, unconnected_settings

ASYNC_PAGES = DOCS_DIR / "principles" / "async"


NO_BLOCKING_PAGE = ASYNC_PAGES / "no-blocking-calls.md"


BLOCKING_EXPORT = """\
import time

import httpx


def fetch_report() -> str:
    time.sleep(0.2)
    return "report"


async def export_report() -> str:
    time.sleep(0.2)
    httpx.get("https://reports.example.com/2026-11", timeout=10)
    return fetch_report()
"""


def test_ruff_flags_only_the_direct_blocking_calls_as_the_page_shows(
    tmp_path: Path,
) -> None:
    result = ruff_check_code(
        BLOCKING_EXPORT, "example.py", "--select", "ASYNC", cwd=tmp_path
    )

    assert result.returncode == 1, result.stderr
    quoted = next(
        b
        for b in find_fences(NO_BLOCKING_PAGE)
        if b.title == "Output of ruff check --select ASYNC"
    )
    assert quoted.source.strip() == result.stdout.strip(), (
        f"{quoted}: ruff now prints:\n{result.stdout}"
    )
    # Line 14, `return fetch_report()`, calls a sleeping function: not flagged.
    assert "example.py:14" not in result.stdout
    assert "Ruff sees only direct calls: `fetch_report()` is not flagged" in (
        prose(NO_BLOCKING_PAGE)
    )


# --8<-- [start:blocking-export]
def fetch_report(month: str) -> str:
    time.sleep(0.2)
    return f"report {month}"


async def test_a_blocking_call_in_an_async_def_holds_up_every_other_request() -> None:
    events: list[str] = []

    async def export_report() -> None:
        report = fetch_report("2026-11")  # blocks the event loop
        events.append(f"export finished: {report}")

    async def health_check() -> None:
        events.append("health check answered")

    await asyncio.gather(export_report(), health_check())

    assert events == ["export finished: report 2026-11", "health check answered"]
    # --8<-- [end:blocking-export]


def test_the_pages_blocking_example_passes_ruff(tmp_path: Path) -> None:
    [dont] = [
        expand(b)
        for b in find_fences(NO_BLOCKING_PAGE)
        if b.language == "python" and "# blocks the event loop" in expand(b)
    ]
    result = ruff_check_code(
        "import asyncio\nimport time\n\n\n" + dont,
        "example.py",
        "--select",
        "ASYNC",
        cwd=tmp_path,
    )

    assert result.returncode == 0, f"ruff now flags it:\n{dont}\n{result.stdout}"
    assert "neither is the Don't example above, which passes the repository's lint" in (
        prose(NO_BLOCKING_PAGE)
    )


def test_the_repository_selects_ruffs_async_rules() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "ASYNC" in pyproject["tool"]["ruff"]["lint"]["select"]
    assert "the repository's ruff configuration selects the `ASYNC` rules" in (
        prose(NO_BLOCKING_PAGE)
    )


async def test_the_service_talks_to_postgresql_through_asyncpg() -> None:
    engine = create_engine(unconnected_settings())  # opens no connection yet
    try:
        assert isinstance(engine, AsyncEngine)
        assert engine.dialect.driver == "asyncpg"
    finally:
        await engine.dispose()
    assert "talks to PostgreSQL only through asyncpg and SQLAlchemy's async engine" in (
        prose(NO_BLOCKING_PAGE)
    )


class _SlowHash:
    """Stands in for Argon2: blocks its thread for a while, records overlap."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self.threads: set[int] = set()

    def hash(self, password: str) -> str:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.threads.add(threading.get_ident())
        time.sleep(0.1)
        self.running -= 1
        return f"hashed {password}"


async def test_password_hashes_run_in_a_bounded_thread_while_the_loop_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = security.PasswordHasher(concurrency=1, queue_timeout_seconds=10)
    slow = _SlowHash()
    monkeypatch.setattr(security, "_password_hash", slow)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticking = asyncio.create_task(ticker())
    hashes = await asyncio.gather(*(hasher.hash(f"pw-{n}") for n in range(3)))
    ticking.cancel()

    assert hashes == ["hashed pw-0", "hashed pw-1", "hashed pw-2"]
    assert threading.get_ident() not in slow.threads  # never on the loop's thread
    assert slow.most_at_once == 1  # the semaphore's bound
    # 3 x 100 ms of hashing: ~60 ticks when the loop runs alongside, at most
    # a tick between hashes (4 in all) when they block it.
    assert ticks >= 10
    page = prose(NO_BLOCKING_PAGE)
    assert (
        "a semaphore admits `password_hash_concurrency` hashes at once (default 1)"
        in page
    )
    assert "a ticker on the loop keeps ticking while three hashes run" in page
    assert Settings.model_fields["password_hash_concurrency"].default == 1


class _GatedHash:
    """Stands in for Argon2: each hash records when its thread starts and
    ends, and blocks at a gate in between, as a long hash would."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.loop = asyncio.get_running_loop()
        self.started = asyncio.Event()

    def hash(self, password: str) -> str:
        with self.lock:
            self.events.append(f"{password} started")
        self.loop.call_soon_threadsafe(self.started.set)
        self.gate.wait(timeout=30)
        with self.lock:
            self.events.append(f"{password} finished")
        return f"hashed {password}"


async def test_a_cancelled_hash_keeps_its_slot_until_its_thread_finishes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = security.PasswordHasher(concurrency=1, queue_timeout_seconds=10)
    gated = _GatedHash()
    monkeypatch.setattr(security, "_password_hash", gated)

    first = asyncio.create_task(hasher.hash("pw-1"))
    await asyncio.wait_for(gated.started.wait(), 10)
    # The request gives up (a client's timeout, the server's shutdown); its
    # thread cannot be stopped and hashes on.
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    second = asyncio.create_task(hasher.hash("pw-2"))
    await asyncio.sleep(0.2)  # time for the second to start, if it could
    waiting = list(gated.events)
    gated.gate.set()

    assert await asyncio.wait_for(second, 10) == "hashed pw-2"
    assert waiting == ["pw-1 started"]  # one hash at a time, as promised
    assert gated.events == [
        "pw-1 started",
        "pw-1 finished",
        "pw-2 started",
        "pw-2 finished",
    ]
    assert (
        "A slot whose hash has started is freed when its thread finishes, "
        "not when the request's `await` ends"
    ) in prose(NO_BLOCKING_PAGE)


class _HashesThatWaitForEachOther:
    """Stands in for Argon2: each hash waits (10 s at most) until ``expected``
    run at once, so the bound is reached whatever the machine's load."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.running = 0
        self.most_at_once = 0
        self._changed = threading.Condition()

    def hash(self, password: str) -> str:
        with self._changed:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self.running >= self.expected, timeout=10)
        time.sleep(0.05)  # long enough for a hash past the bound to join in
        with self._changed:
            self.running -= 1
        return f"hashed {password}"


async def test_the_apps_hasher_admits_the_configured_number_of_hashes_at_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    concurrency = 3  # neither the default nor the thread pool's size
    app = create_app(
        settings.model_copy(update={"password_hash_concurrency": concurrency})
    )

    async with running(app) as served:
        hasher = served.state["password_hasher"]
        waiting = _HashesThatWaitForEachOther(concurrency)
        monkeypatch.setattr(security, "_password_hash", waiting)
        await asyncio.gather(*(hasher.hash(f"pw-{n}") for n in range(2 * concurrency)))

    assert waiting.most_at_once == concurrency


def test_argon2_runs_with_one_lane_as_the_page_says() -> None:
    source = (REPO_ROOT / "snippets" / "shop" / "users" / "security.py").read_text()
    assert "PasswordHash((Argon2Hasher(parallelism=1),))" in source
    assert "Argon2 runs with one lane (`parallelism=1`)" in prose(NO_BLOCKING_PAGE)


async def test_every_async_handler_runs_on_the_event_loops_thread() -> None:
    app = FastAPI()
    threads: list[int] = []

    @app.get("/orders")
    async def list_orders() -> list[int]:
        threads.append(threading.get_ident())
        await asyncio.sleep(0.01)  # a turn for the others
        return []

    @app.get("/products")
    async def list_products() -> list[int]:
        threads.append(threading.get_ident())
        await asyncio.sleep(0.01)
        return []

    async with AsyncClient(
        transport=ASGITransport(app=app), base_url="http://shop.test"
    ) as client:
        answers = await asyncio.gather(
            *(client.get(path) for path in ["/orders", "/products"] * 5)
        )

    assert [answer.status_code for answer in answers] == [200] * 10
    # Ten requests in parallel, one thread: the loop's, this test's own.
    assert threads == [threading.get_ident()] * 10


BLOCKED_SECONDS = 0.2


async def test_a_blocking_call_fails_nothing_and_the_health_check_waits_for_it() -> (
    None
):
    app = FastAPI()

    @app.get("/reports/{month}")
    async def export_report(month: int) -> dict[str, int]:
        time.sleep(BLOCKED_SECONDS)  # noqa: ASYNC251 - the mistake the page describes
        return {"month": month}

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    async with AsyncClient(
        transport=ASGITransport(app=app), base_url="http://shop.test"
    ) as client:
        started = time.perf_counter()

        async def answered_after(path: str) -> tuple[int, float]:
            response = await client.get(path)
            return response.status_code, time.perf_counter() - started

        reports = [answered_after(f"/reports/{month}") for month in range(1, 5)]
        *exports, probe = await asyncio.gather(*reports, answered_after("/health/live"))

    # Nothing fails: every answer is a 200.
    assert [status for status, _ in [*exports, probe]] == [200] * 5
    # The four exports ran one after another, and the probe, sent with
    # them, waited for all four.
    assert max(seconds for _, seconds in exports) >= 4 * BLOCKED_SECONDS
    assert probe[1] >= 4 * BLOCKED_SECONDS
