"""A Redis cache for rendered responses that fails open and refuses late fills.

The database is the source of truth; the cache only saves it work. So every
Redis failure (down, slow, full), and a stored document the schema no longer
reads, is logged as a warning and treated as a miss: a request never fails
because the cache did.

A read that misses takes a lease before it reads the database, and may
store what it read only while that lease stands. A write removes the
document and the lease after it commits, so a read that loaded the row
before the commit cannot put the old row back once the write is done.
"""

import logging
import secrets
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# --8<-- [start:scripts]
# A hit returns the document. A miss takes the lease, a token only this
# reader knows, unless another reader holds it; it expires by itself if
# its reader never comes back.
LOOKUP_SCRIPT = """
local document = redis.call('GET', KEYS[1])
if document then return {'hit', document} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'lease'}
end
return {'busy'}
"""
# Store only while the reader's lease is still the one on the key: a
# write that committed since deleted it, and then nothing is stored.
FILL_SCRIPT = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
"""
# --8<-- [end:scripts]


class ResponseCache:
    """JSON documents in Redis under versioned keys, each with a time to live."""

    def __init__(
        self, redis: Redis | None, *, ttl_seconds: int, lease_seconds: float = 10
    ) -> None:
        # None: caching is switched off and every call is a miss.
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        # Longer than a database read takes: a read that outlives its
        # lease stores nothing, which is safe but wasted.
        self.lease_ms = int(lease_seconds * 1000)
        if redis is not None:
            self._lookup_script = redis.register_script(LOOKUP_SCRIPT)
            self._fill_script = redis.register_script(FILL_SCRIPT)

    # --8<-- [start:read-through]
    async def read_through[M: BaseModel](
        self, key: str, schema: type[M], load: Callable[[], Awaitable[M]]
    ) -> M:
        """The cached document, or ``load()``'s, stored if no write came between."""
        cached, lease = await self._lookup(key)
        if cached is not None:
            try:
                return schema.model_validate_json(cached)
            except ValidationError as exc:
                # Stored by code with another schema under the same key, or
                # damaged: drop it, read the database, and let the next
                # reader store a fresh copy.
                self._warn_unreadable(key, exc)
                await self.invalidate(key)
        document = await load()  # after the lease: a write from now on refuses it
        if lease is not None:
            await self._fill(key, lease, document.model_dump_json())
        return document

    async def invalidate(self, key: str) -> None:
        """After a write commits: drop the document and any reader's lease."""
        if self.redis is None:
            return
        try:
            await self.redis.delete(key, lease_key(key))
        except RedisError as exc:
            self._warn("invalidate", key, exc)
        # --8<-- [end:read-through]

    # --8<-- [start:fail-open]
    async def _lookup(self, key: str) -> tuple[bytes | None, str | None]:
        """``(document, None)`` on a hit; ``(None, lease or None)`` otherwise.

        The document comes as bytes: one that is not even UTF-8 is the
        schema's to refuse, like any damaged one, not a decoding error.
        """
        if self.redis is None:
            return None, None
        lease = secrets.token_hex(16)
        keys = [key, lease_key(key)]
        try:
            reply = await self._lookup_script(keys=keys, args=[lease, self.lease_ms])
        except RedisError as exc:
            self._warn("lookup", key, exc)
            return None, None
        match reply:
            case [b"hit", bytes(document)]:
                return document, None
            case [b"lease"]:
                return None, lease
            case _:  # another reader holds the lease and will fill
                return None, None
        # --8<-- [end:fail-open]

    async def _fill(self, key: str, lease: str, document: str) -> None:
        keys = [key, lease_key(key)]
        try:
            await self._fill_script(keys=keys, args=[lease, document, self.ttl_seconds])
        except RedisError as exc:
            self._warn("fill", key, exc)

    async def aclose(self) -> None:
        """Close the connection pool (at app shutdown)."""
        if self.redis is not None:
            await self.redis.aclose()

    def _warn(self, operation: str, key: str, exc: RedisError) -> None:
        logger.warning(
            "cache unavailable",
            extra={"operation": operation, "key": key, "error": repr(exc)},
        )

    def _warn_unreadable(self, key: str, exc: ValidationError) -> None:
        # Where and why, never the input: the document holds user data.
        first = exc.errors(include_input=False, include_url=False)[0]
        logger.warning(
            "cache document unreadable, dropped",
            extra={
                "key": key,
                "errors": exc.error_count(),
                "first_error": f"{first['type']} at {list(first['loc'])}",
            },
        )


def lease_key(key: str) -> str:
    """Where a reader's lease on ``key`` lives while it reads the database."""
    return f"{key}:lease"


# --8<-- [start:create-cache]
def create_cache(
    redis_url: str | None, *, ttl_seconds: int, timeout_seconds: float
) -> ResponseCache:
    """The app's cache; nothing connects until the first command."""
    if redis_url is None:
        return ResponseCache(None, ttl_seconds=ttl_seconds)
    # from_url, not Redis(host=...): in redis-py 8 the constructor retries a
    # timed-out command ten times with backoff; from_url's pool does not.
    redis = Redis.from_url(
        redis_url,
        # A cache that hangs costs a read one timeout, then it is a miss.
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
    )
    return ResponseCache(redis, ttl_seconds=ttl_seconds)
    # --8<-- [end:create-cache]
