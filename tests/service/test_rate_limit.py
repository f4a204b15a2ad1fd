"""Specification of the shared rate limiter's in-process fallback store."""

import asyncio
import logging
import time

import pytest
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from shop.shared.rate_limit import SharedRateLimiter, _ProcessMemory, limit_per_window
from tests.support.stalled_servers import (
    REDIS_PY_DEFAULT_TIMEOUT,
    StalledServer,
    each_stall,
)
from throwaway.ports import free_port


async def test_clearing_a_key_the_expiry_task_is_about_to_read_leaves_it_running() -> (
    None
):
    """limits 5.8's own ``clear`` deletes the key: the task then dies of a
    KeyError, and expired events are never dropped again."""
    storage = _ProcessMemory()
    limiter = MovingWindowRateLimiter(storage)
    limit = limit_per_window(3, 60)
    assert await limiter.hit(limit, "ada")  # also schedules the expiry task
    key = limit.key_for("ada")

    # Hold the key's lock: the task stops at it, holding the key's name.
    async with storage.locks[key]:
        await asyncio.sleep(0)  # the task runs up to the lock
        await storage.clear(key)
    assert storage.timer is not None
    await storage.timer  # raises the task's KeyError, if it had one

    assert key not in storage.events  # the task dropped the emptied key
    assert await limiter.hit(limit, "ada")


async def test_clearing_a_key_never_counted_stores_nothing() -> None:
    storage = _ProcessMemory()

    await storage.clear("shop:never-counted")

    assert (storage.events, storage.storage, storage.expirations) == ({}, {}, {})


async def test_clearing_a_fixed_window_count_starts_it_afresh() -> None:
    """The storage clears every kind of count limits keeps, as limits' own
    ``clear`` does: a fixed window's counter and its expiry too."""
    storage = _ProcessMemory()
    limiter = FixedWindowRateLimiter(storage)
    limit = limit_per_window(1, 60)
    assert await limiter.hit(limit, "ada")
    assert await limiter.hit(limit, "bob")

    await limiter.clear(limit, "ada")
    await limiter.clear(limit, "bob")

    assert await limiter.hit(limit, "ada")  # a full window for the next event
    # and none running until then
    assert (await limiter.get_window_stats(limit, "bob")).reset_time <= time.time()


async def test_with_redis_refusing_each_call_asks_it_counts_here_and_logs_which(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused connection fails at once: no pause, Redis is asked each time."""
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    limiter = SharedRateLimiter(nobody_listens, timeout_seconds=1)
    limit = limit_per_window(1, 60)
    try:
        with caplog.at_level(logging.WARNING, logger="shop.shared.rate_limit"):
            assert await limiter.allows(limit, "ada")
            assert await limiter.hit(limit, "ada")
            assert not await limiter.hit(limit, "ada")  # counted in this process
            assert await limiter.retry_after_seconds(limit, "ada") in (59, 60)
            await limiter.clear(limit, "ada")
            assert await limiter.allows(limit, "ada")
    finally:
        await limiter.aclose()

    fallbacks = [
        record.__dict__["operation"]
        for record in caplog.records
        if record.message == "rate limit store unavailable, counting in this process"
    ]
    assert fallbacks == ["test", "hit", "hit", "stats", "clear", "test"]


@each_stall
async def test_after_a_timeout_the_next_calls_count_here_until_the_pause_ends(
    stalled_redis: StalledServer,
) -> None:
    """A sign-in's four calls against a stalled Redis wait one timeout, not
    four; once the pause is over, Redis is asked again."""
    timeout = 0.5
    limit = limit_per_window(5, 60)
    with stalled_redis() as url:
        limiter = SharedRateLimiter(url, timeout_seconds=timeout)
        limiter.retry_redis_after_seconds = 1.0
        try:
            started = time.monotonic()
            assert await limiter.allows(limit, "ada")
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(3):
                assert await limiter.hit(limit, "ada")
            rest = time.monotonic() - started
            await asyncio.sleep(limiter.retry_redis_after_seconds)
            started = time.monotonic()
            assert await limiter.hit(limit, "ada")
            after_the_pause = time.monotonic() - started
        finally:
            await limiter.aclose()

    assert first >= timeout  # the call that found Redis stalled waited it out
    # Each of the three would take the timeout again if it asked Redis.
    assert rest < timeout, rest
    assert after_the_pause >= timeout  # asked Redis, and waited again


def test_redis_is_asked_again_5_s_after_a_timeout_by_default() -> None:
    assert SharedRateLimiter.retry_redis_after_seconds == 5.0


@each_stall
async def test_a_stalled_redis_holds_a_call_for_the_timeout_then_counts_here(
    stalled_redis: StalledServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    limit = limit_per_window(1, 60)
    with stalled_redis() as url:
        limiter = SharedRateLimiter(url, timeout_seconds=0.2)
        try:
            with caplog.at_level(logging.WARNING, logger="shop.shared.rate_limit"):
                async with asyncio.timeout(REDIS_PY_DEFAULT_TIMEOUT / 2):
                    assert await limiter.hit(limit, "ada")
        finally:
            await limiter.aclose()

    (fallback,) = [
        record
        for record in caplog.records
        if record.message == "rate limit store unavailable, counting in this process"
    ]
    assert fallback.__dict__["operation"] == "hit"
    assert "Timeout" in fallback.__dict__["error"]
