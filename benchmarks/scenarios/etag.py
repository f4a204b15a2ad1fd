"""ETags: a revalidated read (304) against the full response, through real uvicorn."""

import secrets
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from benchmarks import dataset
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
from shop.users.security import create_access_token

CONCURRENCY = 4

INFO = ScenarioInfo(
    name="etag",
    title="ETag revalidation versus the full response",
    principle="API-ETAG",
    description=(
        "The service itself (`uvicorn --factory shop.core.main:create_app`, "
        "production settings, one "
        "uvicorn worker, its JSON request logs written to a file) answering "
        f"`GET /orders/{{id}}` for an order with {dataset.FULL.etag_items} items, "
        "signed in with a bearer "
        f"token. A load generator in a second process keeps {CONCURRENCY} "
        "connections busy on 127.0.0.1, bounded by a request cap and a time cap. "
        "**Full**: no `If-None-Match`, a 200 with the body. **Revalidated**: "
        "`If-None-Match` carrying the order's current ETag, a 304 without a body. "
        "Bytes are what the client read per response: status line, headers and "
        "body. Both still authenticate, read the order and its items, serialise "
        "it and hash the body, so the time saved is only the transfer; on "
        "loopback that is almost nothing, over a real network it is more."
    ),
)


def caps(plan: Plan) -> tuple[int, float]:
    return (200, 0.5) if plan.quick else (2_000, 1.5)


async def run(env: Environment, plan: Plan) -> Scenario:
    secret = secrets.token_urlsafe(48)
    token = create_access_token(
        env.dataset.etag_user,
        token_version=0,
        secret=SecretStr(secret),
        lifetime=timedelta(minutes=30),
    )
    auth = f"Authorization: Bearer {token}"
    max_requests, max_seconds = caps(plan)
    recorder = Recorder(plan)
    labels = {"full": "full response (200)", "revalidated": "If-None-Match (304)"}
    for name, label in labels.items():
        recorder.declare(f"{name}.bytes", f"{label}: bytes per response", "bytes")
        recorder.declare(f"{name}.p50_ms", f"{label}: p50 latency", "ms")
        recorder.declare(f"{name}.throughput_rps", f"{label}: throughput", "req/s")
    recorder.declare("bytes_saved_ratio", "full ÷ revalidated bytes", "ratio")
    environment = {
        "DATABASE_URL": env.database_url,
        "JWT_SECRET": secret,
        "ENVIRONMENT": "production",
    }
    async with serving(
        "shop.core.main:create_app",
        factory=True,
        workdir=env.workdir,
        ready_path="/health/ready",
        env=environment,
    ) as url:
        order_url = f"{url}/orders/{env.dataset.etag_order}"
        first = await fetch_once(order_url, [auth])
        if first.status != 200 or "etag" not in first.headers:
            raise RuntimeError(f"GET {order_url}: {first.status} {first.body[:300]!r}")
        headers = {
            "full": [auth],
            "revalidated": [auth, f"If-None-Match: {first.headers['etag']}"],
        }
        expected = {"full": "200", "revalidated": "304"}
        for run_index in plan.runs():
            values: dict[str, float] = {}
            for name in taking_turns(labels, run_index):
                result = await run_load(
                    order_url,
                    concurrency=CONCURRENCY,
                    max_requests=max_requests,
                    max_seconds=max_seconds,
                    headers=headers[name],
                )
                _check(name, result, expected[name])
                values[f"{name}.bytes"] = result["wire_bytes_mean"]
                values[f"{name}.p50_ms"] = result["latency_ms"]["p50"]
                values[f"{name}.throughput_rps"] = result["throughput_rps"]
            values["bytes_saved_ratio"] = (
                values["full.bytes"] / values["revalidated.bytes"]
            )
            recorder.record(run_index, values)
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={
            "concurrency": CONCURRENCY,
            "max_requests_per_run": max_requests,
            "max_seconds_per_run": max_seconds,
            "order_items": env.dataset.sizes.etag_items,
            "body_bytes": len(first.body),
        },
        charts=[
            chart(
                "Bytes per response",
                "bytes",
                {f"{name}.bytes": label for name, label in labels.items()},
            ),
            chart(
                "p50 latency",
                "ms",
                {f"{name}.p50_ms": label for name, label in labels.items()},
            ),
        ],
    )


def _check(name: str, result: dict[str, Any], status: str) -> None:
    if result["errors"] or set(result["statuses"]) != {status}:
        raise RuntimeError(
            f"{name}: {result['errors']} errors, {result['statuses']}, expected {status}"
        )
