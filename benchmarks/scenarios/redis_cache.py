"""Redis: a profile read from the cache against the same read from PostgreSQL."""

from functools import partial

from sqlalchemy.ext.asyncio import async_sessionmaker

from benchmarks.results import Scenario
from benchmarks.runner import (
    Environment,
    Plan,
    Recorder,
    ScenarioInfo,
    chart,
    scenario_result,
    taking_turns,
    timed_ms,
)
from benchmarks.scenarios.shop import service_engine, service_settings
from shop.shared.cache import ResponseCache, create_cache
from shop.shared.rate_limit import SharedRateLimiter
from shop.users.security import PasswordHasher
from shop.users.service import UserService, profile_cache_key
from shop.users.throttling import create_sign_in_throttle

INFO = ScenarioInfo(
    name="redis_cache",
    title="Redis cache hit versus database read",
    principle="PERF-REDIS-CACHE",
    description=(
        "The service's `UserService.get_profile` (what `GET /users/{id}` calls), "
        "one call after another, each on a fresh session from the service's "
        "engine. **Cache hit**: the service's `ResponseCache` on a real "
        "`redis-server` on 127.0.0.1, holding the profile: one lookup script "
        "(`EVALSHA`, a `GET` inside Redis) and the JSON parsed into the response model. **Database**: the same service with "
        "caching switched off (`REDIS_URL` unset): a pooled connection checked out "
        "and pinged, one primary-key read, the row turned into the response model. "
        "Both servers run on the same machine, so neither pays a network hop."
    ),
)


def calls_per_sample(plan: Plan) -> int:
    return 50 if plan.quick else 300


async def run(env: Environment, plan: Plan) -> Scenario:
    if env.redis_url is None:
        raise RuntimeError("the redis_cache scenario needs a Redis server")
    settings = service_settings(env.database_url, env.redis_url)
    caches = {
        "cache_hit": create_cache(
            env.redis_url,
            ttl_seconds=settings.cache_ttl_seconds,
            timeout_seconds=settings.cache_timeout_seconds,
        ),
        "database": ResponseCache(None, ttl_seconds=settings.cache_ttl_seconds),
    }
    labels = {"cache_hit": "Redis cache hit", "database": "database read (no cache)"}
    user = env.dataset.profile_user
    hasher = PasswordHasher(
        settings.password_hash_concurrency,
        queue_timeout_seconds=settings.password_hash_queue_timeout_seconds,
    )
    # Profile reads never sign in: a throttle counting in memory will do.
    throttle = create_sign_in_throttle(
        SharedRateLimiter(None, timeout_seconds=settings.cache_timeout_seconds),
        settings,
    )
    recorder = Recorder(plan)
    for name, label in labels.items():
        recorder.declare(f"{name}.latency_ms", f"{label}: time per read", "ms")
    recorder.declare("ratio", "database ÷ cache hit time", "ratio")
    try:
        async with service_engine(env.database_url) as engine:
            sessions = async_sessionmaker(engine, expire_on_commit=False)

            async def read(cache: ResponseCache) -> None:
                async with sessions() as session:
                    profile = await UserService(
                        session, hasher, cache, throttle
                    ).get_profile(user)
                    if profile.id != user:
                        raise RuntimeError("read the wrong profile")

            await read(caches["cache_hit"])  # the first read fills the cache
            await _require_cached(caches["cache_hit"], user)
            for run_index in plan.runs():
                values: dict[str, float] = {}
                for name in taking_turns(caches, run_index):
                    values[f"{name}.latency_ms"] = await timed_ms(
                        partial(read, caches[name]), calls_per_sample(plan)
                    )
                values["ratio"] = (
                    values["database.latency_ms"] / values["cache_hit.latency_ms"]
                )
                recorder.record(run_index, values)
            # The cache fails open: had Redis failed, the "hits" were reads.
            await _require_cached(caches["cache_hit"], user)
    finally:
        for cache in caches.values():
            await cache.aclose()
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={"calls_per_sample": calls_per_sample(plan)},
        charts=[
            chart(
                "Time per profile read",
                "ms",
                {f"{name}.latency_ms": label for name, label in labels.items()},
            )
        ],
    )


async def _require_cached(cache: ResponseCache, user_id: int) -> None:
    if cache.redis is None or not await cache.redis.exists(profile_cache_key(user_id)):
        raise RuntimeError("the profile is not in Redis: the cache hits were misses")
