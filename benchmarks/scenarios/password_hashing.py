"""Password hashing: the cost of one Argon2 hash, and where it runs."""

import asyncio
import time
from collections.abc import Awaitable, Callable

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
from shop.core.config import Settings
from shop.users import security
from shop.users.security import PasswordHasher

# A made-up password to hash.
PASSWORD = "correct horse battery staple"  # noqa: S105  # pragma: allowlist secret
TICK_SECONDS = 0.005
BURST = 3

INFO = ScenarioInfo(
    name="password_hashing",
    title="Argon2 on the event loop versus in a thread",
    principle="SEC-PASSWORDS",
    description=(
        "The service's own Argon2id hasher (`shop.users.security`, parameters in "
        "the table below, read from a hash it made). **One hash**: the mean time "
        "of `hash()` called directly. **Heartbeat delay**: a task on the same "
        f"event loop wakes every {TICK_SECONDS * 1000:.0f} ms and records how late "
        f"each wake-up is, while a burst of sign-ups hashes {BURST} passwords at once "
        "(`asyncio.gather`), three ways: on the event loop (`hash()` called inside "
        "the coroutine); in unbounded worker threads (`asyncio.to_thread` for "
        "each, all three at once); and through the service's `PasswordHasher`, "
        "which runs each hash with `asyncio.to_thread` behind a semaphore of "
        "`password_hash_concurrency` (default 1). The worst delay is what any other "
        "request on that worker would have waited; the burst time is how long the "
        f"{BURST} hashes took in all. The ways take turns within each run, in rotating "
        "order."
    ),
)


async def _hash_on_the_loop(password: str) -> str:
    return security._password_hash.hash(password)


async def _hash_in_any_thread(password: str) -> str:
    return await asyncio.to_thread(security._password_hash.hash, password)


async def _burst_with_heartbeat(
    hash_one: Callable[[str], Awaitable[str]], burst: int
) -> tuple[float, float]:
    """(worst heartbeat delay, burst duration), both in milliseconds."""
    delays: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        while not stop.is_set():
            expected = time.perf_counter() + TICK_SECONDS
            await asyncio.sleep(TICK_SECONDS)
            delays.append((time.perf_counter() - expected) * 1000)

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(TICK_SECONDS * 2)  # the heartbeat is running
    started = time.perf_counter()
    await asyncio.gather(*(hash_one(PASSWORD) for _ in range(burst)))
    duration = (time.perf_counter() - started) * 1000
    stop.set()
    await beating
    return max(delays), duration


async def run(env: Environment, plan: Plan) -> Scenario:
    del env  # CPU only: no server involved
    concurrency = Settings.model_fields["password_hash_concurrency"].default
    queue_timeout = Settings.model_fields["password_hash_queue_timeout_seconds"].default
    hasher = PasswordHasher(concurrency, queue_timeout_seconds=queue_timeout)
    hashes_per_sample = 1 if plan.quick else 2
    recorder = Recorder(plan)
    recorder.declare("hash_ms", "one Argon2id hash", "ms")
    ways = {
        "on_loop": "on the event loop",
        "unbounded": "unbounded threads",
        "thread": f"PasswordHasher ({concurrency} at a time)",
    }
    for name, label in ways.items():
        recorder.declare(
            f"{name}.worst_delay_ms", f"{label}: worst heartbeat delay", "ms"
        )
        recorder.declare(f"{name}.burst_ms", f"{label}: {BURST} hashes took", "ms")
    recorder.declare("delay_ratio", "on the loop ÷ in a thread, worst delay", "ratio")
    parameters = security._password_hash.hash(PASSWORD).split("$")[3]
    for run_index in plan.runs():
        started = time.perf_counter()
        for _ in range(hashes_per_sample):
            security._password_hash.hash(PASSWORD)
        values = {"hash_ms": (time.perf_counter() - started) * 1000 / hashes_per_sample}
        hashers = {
            "on_loop": _hash_on_the_loop,
            "unbounded": _hash_in_any_thread,
            "thread": hasher.hash,
        }
        for name in taking_turns(ways, run_index):
            delay, duration = await _burst_with_heartbeat(hashers[name], BURST)
            values[f"{name}.worst_delay_ms"] = delay
            values[f"{name}.burst_ms"] = duration
        values["delay_ratio"] = (
            values["on_loop.worst_delay_ms"] / values["thread.worst_delay_ms"]
        )
        recorder.record(run_index, values)
    return scenario_result(
        INFO,
        plan,
        recorder,
        parameters={
            "argon2_parameters": parameters,
            "password_hash_concurrency": concurrency,
            "burst": BURST,
            "heartbeat_ms": TICK_SECONDS * 1000,
            "hashes_per_sample": hashes_per_sample,
        },
        charts=[
            chart(
                f"Worst heartbeat delay while {BURST} passwords are hashed",
                "ms",
                {f"{name}.worst_delay_ms": label for name, label in ways.items()},
            )
        ],
    )
