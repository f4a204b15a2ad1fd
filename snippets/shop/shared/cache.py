"""A Redis cache for rendered responses that fails open.

The database is the source of truth; the cache only saves it work. So every
Redis failure (down, slow, full) is logged as a warning and treated as a
miss: a request never fails because the cache did.
"""

import logging
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


# --8<-- [start:cache]
class ResponseCache:
    """JSON documents in Redis under versioned keys, each with a time to live."""

    def __init__(self, redis: Redis | None, *, ttl_seconds: int) -> None:
        # None: caching is switched off and every call is a miss.
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def get(self, key: str) -> str | None:
        """The cached document, or None on a miss or any Redis failure."""
        if self.redis is None:
            return None
        try:
            value = await self.redis.get(key)
        except RedisError as exc:
            self._warn("get", key, exc)
            return None
        return None if value is None else str(value)

    async def set(self, key: str, document: str) -> None:
        """Store ``document`` for ``ttl_seconds``; a failure only costs a warning."""
        if self.redis is None:
            return
        try:
            await self.redis.set(key, document, ex=self.ttl_seconds)
        except RedisError as exc:
            self._warn("set", key, exc)

    async def delete(self, key: str) -> None:
        """Drop ``key`` after a write; if Redis is down, the TTL bounds staleness."""
        if self.redis is None:
            return
        try:
            await self.redis.delete(key)
        except RedisError as exc:
            self._warn("delete", key, exc)

    async def aclose(self) -> None:
        """Close the connection pool (at app shutdown)."""
        if self.redis is not None:
            await self.redis.aclose()

    def _warn(self, operation: str, key: str, exc: RedisError) -> None:
        logger.warning(
            "cache unavailable",
            extra={"operation": operation, "key": key, "error": repr(exc)},
        )
        # --8<-- [end:cache]


# --8<-- [start:create-cache]
def create_cache(
    redis_url: str | None, *, ttl_seconds: int, timeout_seconds: float
) -> ResponseCache:
    """The app's cache; nothing connects until the first command."""
    if redis_url is None:
        return ResponseCache(None, ttl_seconds=ttl_seconds)
    redis = Redis.from_url(
        redis_url,
        decode_responses=True,
        # A cache that hangs must cost a request milliseconds, not seconds.
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
    )
    return ResponseCache(redis, ttl_seconds=ttl_seconds)
    # --8<-- [end:create-cache]


def get_cache(request: Request) -> ResponseCache:
    """Dependency: the cache the running app was created with."""
    cache: ResponseCache = request.app.state.cache
    return cache


Cache = Annotated[ResponseCache, Depends(get_cache)]
"""Annotate a dependency parameter with this to receive the app's cache."""
