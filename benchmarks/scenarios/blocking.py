"""Blocking versus non-blocking: one uvicorn worker under concurrent load from another process."""

import json
from typing import Any

from benchmarks.blocking_app import WAIT_SECONDS
from benchmarks.load import fetch_once, run_load
from benchmarks.results import Scenario
from benchmarks.runner import (
    Environment,
    Plan,
    Recorder,
    ScenarioInfo,
    chart,
    scenario_result,
    taking_turns,
)
from benchmarks.uvicorn_server import serving

ROUTES = {
    "blocking": "`time.sleep` in `async def`",
    "awaiting": "`await asyncio.sleep`",
    "thread": "`await asyncio.to_thread(time.sleep, …)`",
}
SHORT = {
    "blocking": "time.sleep in async def",
    "awaiting": "await asyncio.sleep",
    "thread": "asyncio.to_thread",
}
CONCURRENCY = 20

INFO = ScenarioInfo(
    name="blocking",
    title="Blocking versus non-blocking",
    principle="ASYNC-NO-BLOCKING",
    description=(
        f"Three routes of a minimal FastAPI app (`benchmarks/blocking_app.py`) "
        f"that each wait {WAIT_SECONDS * 1000:.0f} ms: with `time.sleep` inside "
        "`async def`, with `await asyncio.sleep`, and with `time.sleep` in a worker "
        "thread through `asyncio.to_thread`. One uvicorn worker serves them in one "
        "process; a load generator in a second process (`benchmarks/load.py`) "
        f"keeps {CONCURRENCY} keep-alive connections on 127.0.0.1 busy, one request "
        "at a time each, until its request cap or its time cap, whichever comes "
        "first. Throughput is completed requests per second; p50 and p99 are "
        "percentiles of that run's request latencies, as the client saw them. "
        "The routes take turns within each run, in rotating order."
    ),
)


def caps(plan: Plan) -> tuple[int, float]:
    """(request cap, time cap in seconds) of one load run."""
    return (300, 0.5) if plan.quick else (3_000, 2.0)


async def run(env: Environment, plan: Plan) -> Scenario:
    max_requests, max_seconds = caps(plan)
    recorder = Recorder(plan)
    for route, how in ROUTES.items():
        recorder.declare(f"{route}.throughput_rps", f"{how}: throughput", "req/s")
        recorder.declare(f"{route}.p50_ms", f"{how}: p50 latency", "ms")
        recorder.declare(f"{route}.p99_ms", f"{how}: p99 latency", "ms")
        recorder.declare(f"{route}.requests", f"{how}: requests completed", "count")
    async with serving(
        "benchmarks.blocking_app:app", workdir=env.workdir, ready_path="/ready"
    ) as url:
        ready = await fetch_once(url + "/ready")
        workers = int(json.loads(ready.body)["to_thread_workers"])
        for run_index in plan.runs():
            values: dict[str, float] = {}
            for route in taking_turns(ROUTES, run_index):
                result = await run_load(
                    f"{url}/{route}",
                    concurrency=CONCURRENCY,
                    max_requests=max_requests,
                    max_seconds=max_seconds,
                )
                _check(route, result)
                values[f"{route}.throughput_rps"] = result["throughput_rps"]
                values[f"{route}.p50_ms"] = result["latency_ms"]["p50"]
                values[f"{route}.p99_ms"] = result["latency_ms"]["p99"]
                values[f"{route}.requests"] = result["requests"]
            recorder.record(run_index, values)
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={
            "wait_ms": WAIT_SECONDS * 1000,
            "concurrency": CONCURRENCY,
            "max_requests_per_run": max_requests,
            "max_seconds_per_run": max_seconds,
            "uvicorn_workers": 1,
            "to_thread_workers": workers,
        },
        charts=[
            chart(
                f"Requests per second, one worker, {CONCURRENCY} concurrent clients",
                "req/s",
                {f"{route}.throughput_rps": SHORT[route] for route in ROUTES},
            ),
            chart(
                "p99 latency under that load",
                "ms",
                {f"{route}.p99_ms": SHORT[route] for route in ROUTES},
            ),
        ],
    )


def _check(route: str, result: dict[str, Any]) -> None:
    """A run with failed requests measures something else: stop."""
    if result["errors"] or set(result["statuses"]) != {"200"}:
        raise RuntimeError(f"/{route}: {result['errors']} errors, {result['statuses']}")
    if not result["requests"]:
        raise RuntimeError(f"/{route}: no request completed")
