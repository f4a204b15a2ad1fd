"""Pooling: the service's pooled engine against a connection opened per request."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

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
from benchmarks.scenarios.shop import service_settings
from shop.core.config import Settings
from shop.core.database import connect_args, create_engine
from shop.users.repository import UserRepository

INFO = ScenarioInfo(
    name="pooling",
    title="Pooled connections versus one per request",
    principle="DB-POOL",
    description=(
        "What one request's database work costs when it is a single primary-key "
        "read of a user (`UserRepository.get`) in a fresh session, one request "
        "after another. **Pooled**: the service's own engine from `create_engine` "
        "(pool of 5 + 5, `pool_pre_ping=True`, so each checkout also pings). "
        "**Per request**: the same URL and connection arguments with SQLAlchemy's "
        "`NullPool`, which opens a new asyncpg connection for every session and "
        "closes it afterwards. Connections opened are counted by the engine's "
        "`connect` event. PostgreSQL runs on the same machine with `trust` "
        "authentication over TCP on 127.0.0.1: no network latency, no TLS and no "
        "password exchange, so this is the least a new connection can cost."
    ),
)


def per_request_engine(settings: Settings) -> AsyncEngine:
    """The service's connection arguments, without a pool."""
    return create_async_engine(
        settings.async_database_url,
        poolclass=NullPool,
        hide_parameters=True,
        connect_args=connect_args(settings),
    )


def requests_per_sample(plan: Plan, variant: str) -> int:
    per_request = 10 if plan.quick else 50
    return per_request * (5 if variant == "pooled" else 1)


async def run(env: Environment, plan: Plan) -> Scenario:
    settings = service_settings(env.database_url)
    engines = {
        "pooled": create_engine(settings),
        "per_request": per_request_engine(settings),
    }
    labels = {
        "pooled": "pooled (service engine)",
        "per_request": "new connection per request",
    }
    user = env.dataset.profile_user
    opened = dict.fromkeys(engines, 0)
    recorder = Recorder(plan)
    for name, label in labels.items():
        recorder.declare(f"{name}.latency_ms", f"{label}: time per request", "ms")
        recorder.declare(
            f"{name}.connections_per_100",
            f"{label}: connections opened per 100 requests",
            "count",
        )
    recorder.declare("ratio", "per request ÷ pooled time", "ratio")
    try:
        for name, engine in engines.items():

            def on_connect(*_: Any, name: str = name) -> None:
                opened[name] += 1

            event.listen(engine.sync_engine, "connect", on_connect)
        for run_index in plan.runs():
            values: dict[str, float] = {}
            for name in taking_turns(engines, run_index):
                sessions = async_sessionmaker(engines[name], expire_on_commit=False)

                async def one_request(sessions: Any = sessions) -> None:
                    async with sessions() as session:
                        if await UserRepository(session).get(user) is None:
                            raise RuntimeError("the user is missing")

                count = requests_per_sample(plan, name)
                before = opened[name]
                values[f"{name}.latency_ms"] = await timed_ms(one_request, count)
                values[f"{name}.connections_per_100"] = (
                    (opened[name] - before) * 100 / count
                )
            values["ratio"] = (
                values["per_request.latency_ms"] / values["pooled.latency_ms"]
            )
            recorder.record(run_index, values)
    finally:
        for engine in engines.values():
            await engine.dispose()
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "requests_per_sample": {
                name: requests_per_sample(plan, name) for name in engines
            },
            "query": "UserRepository.get(user_id): SELECT ... FROM users WHERE id = :id",
        },
        charts=[
            chart(
                "Time per request (one primary-key read)",
                "ms",
                {f"{name}.latency_ms": label for name, label in labels.items()},
            )
        ],
    )
