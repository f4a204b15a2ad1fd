"""Measure the performance principles and write the results file.

    uv run task bench                          # every scenario, ~3 minutes
    uv run python -m benchmarks --quick --output .tmp/bench.json
    uv run python -m benchmarks --only pagination --output .tmp/bench.json

Starts a throwaway PostgreSQL and a redis-server, creates and migrates a
database with the service's migrations, seeds it, runs each scenario
(warm-up runs first, discarded) and writes one JSON document. Only a full
run of every scenario may replace the committed file,
docs/_data/benchmarks.json, which the docs build renders.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks import dataset, machine, servers
from benchmarks.results import (
    DEFAULT_PATH,
    REPO_ROOT,
    SCHEMA_VERSION,
    Results,
    Scenario,
    format_value,
    write,
)
from benchmarks.runner import Environment, Plan
from benchmarks.scenarios import SCENARIOS

# The whole run must end within this, whatever the machine does.
MAX_SECONDS = 600
DATABASE_SETTINGS = ("fsync", "shared_buffers", "max_connections", "work_mem", "jit")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and short load runs: a smoke test, not figures to publish",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"where to write the results (default: {DEFAULT_PATH.relative_to(REPO_ROOT)}, "
        "for a full run of every scenario only)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(SCENARIOS),
        help="run this scenario (repeat for more); needs --output",
    )
    return parser


async def _database_settings(database_url: str) -> dict[str, str]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return {
                name: str(await conn.scalar(text(f"SHOW {name}")))
                for name in DATABASE_SETTINGS
            }
    finally:
        await engine.dispose()


async def measure(
    server_url: str,
    redis_url: str | None,
    names: Sequence[str],
    plan: Plan,
    workdir: Path,
) -> tuple[list[Scenario], dict[str, str], str]:
    """Run the scenarios against a fresh, seeded database on ``server_url``."""
    async with servers.migrated_database(server_url) as database_url:
        sizes = dataset.QUICK if plan.quick else dataset.FULL
        started = time.perf_counter()
        data = await dataset.seed(database_url, sizes)
        _progress(f"seeded {data.order_rows:,} orders", started)
        environment = Environment(database_url, redis_url, workdir, data)
        scenarios = []
        for name in names:
            started = time.perf_counter()
            scenarios.append(await SCENARIOS[name](environment, plan))
            _progress(name, started)
        settings = await _database_settings(database_url)
        version = await servers.postgres_version(database_url)
    return scenarios, settings, version


def _progress(what: str, started: float) -> None:
    print(f"  {what}: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def run(names: Sequence[str], plan: Plan) -> Results:
    """Start the servers, measure, and assemble the results document."""
    started = time.perf_counter()
    date = datetime.now(UTC).replace(microsecond=0).isoformat()
    this_machine = machine.machine()
    with (
        tempfile.TemporaryDirectory(prefix="shop-bench-") as workdir,
        servers.postgres() as server_url,
        servers.redis() as redis_url,
    ):
        _progress("servers up", started)
        scenarios, settings, pg_version = asyncio.run(
            _bounded(measure(server_url, redis_url, names, plan, Path(workdir)))
        )
    this_machine["load_average_at_end"] = machine.load_average()
    versions = machine.package_versions()
    versions["postgresql"] = pg_version
    versions["redis-server"] = servers.redis_version()
    return Results(
        schema=SCHEMA_VERSION,
        date=date,
        mode="quick" if plan.quick else "full",
        wall_seconds=round(time.perf_counter() - started, 1),
        commit_id=machine.git_commit(REPO_ROOT),
        machine=this_machine,
        versions=versions,
        database_settings=settings,
        scenarios=scenarios,
    )


async def _bounded[T](work: Coroutine[Any, Any, T]) -> T:
    try:
        async with asyncio.timeout(MAX_SECONDS):
            return await work
    except TimeoutError:
        raise SystemExit(
            f"the benchmarks did not finish within {MAX_SECONDS} s; nothing was written"
        ) from None


def headline(results: Results) -> str:
    """Every measurement's median and range, one line each."""
    lines = [f"{results['date']}, {results['mode']}, {results['wall_seconds']} s"]
    for scenario in results["scenarios"]:
        lines.append(f"{scenario['title']}:")
        for m in scenario["measurements"]:
            stats = m["stats"]
            lines.append(
                f"  {m['label']}: {format_value(stats['median'], m['unit'])}"
                f" (min {format_value(stats['min'], m['unit'])},"
                f" max {format_value(stats['max'], m['unit'])})"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    names = args.only or list(SCENARIOS)
    if args.output is None and (args.quick or args.only):
        parser.error(
            "--quick and --only need --output: only a full run of every scenario "
            f"replaces {DEFAULT_PATH.relative_to(REPO_ROOT)}"
        )
    output: Path = args.output or DEFAULT_PATH
    plan = Plan.quick_plan() if args.quick else Plan.full()
    try:
        results = run(names, plan)
    except servers.PrerequisiteError as error:
        parser.exit(1, f"benchmarks: {error}\n")
    write(results, output)
    print(headline(results))
    print(f"wrote {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
