"""Rate limits that every worker process shares, kept in Redis by ``limits``.

uvicorn's ``--workers`` are separate processes: a counter in one process's
memory lets an attacker spread attempts across workers, and each would see
only its share. The counts live in Redis instead, where every worker adds to
the same moving window (``limits``'s Lua scripts make each check-and-add one
atomic step).

If Redis fails, the limiter neither stops limiting nor stops the service: it
counts in this process's memory and logs a warning. After a timeout it asks
Redis again only ``retry_redis_after_seconds`` later, so a stalled Redis
costs one timeout per interval rather than one per call; a refusal, which
costs nothing, is retried at the next call. A limit then holds per worker,
so the bound is ``workers`` times looser, never gone.
"""

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

KEY_PREFIX = "shop:throttle"


class _ProcessMemory(MemoryStorage):
    """limits' in-memory storage, with a ``clear`` its expiry task survives.

    limits 5.8's ``clear`` deletes a key that its background task (which
    drops expired entries) may be about to read: the task then dies with a
    ``KeyError``. Emptying the key's moving window instead clears it the
    same way, and the task deletes the empty key itself.
    """

    async def clear(self, key: str) -> None:
        if key in self.events:
            self.events[key] = []
        self.storage.pop(key, None)
        self.expirations.pop(key, None)


def limit_per_window(amount: int, window_seconds: int) -> RateLimitItem:
    """``amount`` events within any ``window_seconds``-long moving window."""
    return RateLimitItemPerSecond(amount, window_seconds)


class SharedRateLimiter:
    """Moving-window limits in Redis, with this process's memory as a fallback."""

    retry_redis_after_seconds = 5.0  # after a timeout; not on every call

    def __init__(self, redis_url: str | None, *, timeout_seconds: float) -> None:
        self._local = MovingWindowRateLimiter(_ProcessMemory())
        self._ask_redis_from = 0.0  # a time.monotonic()
        self._pool: ConnectionPool | None = None
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url is not None:
            # A pool of our own, so shutdown can close it; every wait on
            # Redis is bounded, as for the cache.
            self._pool = ConnectionPool.from_url(
                redis_url,
                socket_connect_timeout=timeout_seconds,
                socket_timeout=timeout_seconds,
            )
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",  # redis-py, which the cache uses too
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,  # any Redis failure is a StorageError
                connection_pool=cast("Any", self._pool),  # typed as str | float
            )
            self._shared = MovingWindowRateLimiter(storage)

    # --8<-- [start:shared-limiter-run]
    async def _run[T](
        self,
        operation: str,
        call: Callable[[MovingWindowRateLimiter], Awaitable[T]],
    ) -> T:
        """``call`` on the Redis limiter, or on this process's while Redis fails."""
        if self._shared is not None and time.monotonic() >= self._ask_redis_from:
            try:
                return await call(self._shared)
            except StorageError as exc:
                if isinstance(exc.storage_error, TimeoutError | RedisTimeoutError):
                    pause = self.retry_redis_after_seconds  # a refusal costs nothing
                    self._ask_redis_from = time.monotonic() + pause
                logger.warning(
                    "rate limit store unavailable, counting in this process",
                    extra={"operation": operation, "error": repr(exc.storage_error)},
                )
        return await call(self._local)
        # --8<-- [end:shared-limiter-run]

    async def hit(self, limit: RateLimitItem, key: str) -> bool:
        """Count one event; False, and nothing counted, if the limit is spent."""
        return await self._run("hit", lambda limiter: limiter.hit(limit, key))

    async def allows(self, limit: RateLimitItem, key: str) -> bool:
        """Whether one more event would be within the limit (counts nothing)."""
        return await self._run("test", lambda limiter: limiter.test(limit, key))

    async def clear(self, limit: RateLimitItem, key: str) -> None:
        """Forget every event counted for ``key``."""
        await self._run("clear", lambda limiter: limiter.clear(limit, key))

    async def retry_after_seconds(self, limit: RateLimitItem, key: str) -> int:
        """Whole seconds until the oldest counted event leaves the window."""
        stats = await self._run(
            "stats", lambda limiter: limiter.get_window_stats(limit, key)
        )
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def aclose(self) -> None:
        """Close the Redis connections (at app shutdown)."""
        if self._pool is not None:
            await self._pool.aclose()
