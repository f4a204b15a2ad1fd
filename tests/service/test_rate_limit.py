"""Specification of the shared rate limiter's in-process fallback store."""

import asyncio

from limits.aio.strategies import MovingWindowRateLimiter

from shop.shared.rate_limit import _ProcessMemory, limit_per_window


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
