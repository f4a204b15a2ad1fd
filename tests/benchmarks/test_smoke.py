"""Specification: a real scenario runs, bounded, against the session's PostgreSQL.

The N+1 scenario in ``--quick`` mode on a database of its own, migrated
with the service's migrations and seeded as ``task bench`` seeds it. What
is asserted is what the scenario counts (queries, runs, samples), never
how fast anything was: speed is reported, not required.
"""

import tempfile
from pathlib import Path

import pytest

from benchmarks import dataset
from benchmarks.__main__ import main
from benchmarks.results import problems
from benchmarks.runner import Environment, Plan
from benchmarks.scenarios import n_plus_one
from tests.support.shop_fixtures import MIGRATIONS_DIR, DatabaseFactory, load_script


@pytest.fixture(scope="module")
async def quick_environment(create_database: DatabaseFactory) -> Environment:
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    data = await dataset.seed(url, dataset.QUICK)
    return Environment(url, None, Path(tempfile.gettempdir()), data)


async def test_the_n_plus_one_scenario_counts_one_query_per_order_when_lazy(
    quick_environment: Environment,
) -> None:
    plan = Plan.quick_plan()

    scenario = await n_plus_one.run(quick_environment, plan)

    stats = {m["key"]: m["stats"] for m in scenario["measurements"]}
    for count in dataset.QUICK.listing_sizes:
        assert stats[f"{count}.lazy.queries"]["median"] == 1 + count
        assert stats[f"{count}.eager.queries"]["median"] == 2
        assert stats[f"{count}.lazy.latency_ms"]["min"] > 0
    for m in scenario["measurements"]:
        assert len(m["samples"]) == plan.measured_runs
        assert len(m["warmup_samples"]) == plan.warmup_runs
    assert scenario["principle"] == "PERF-EAGER-LOAD"


def test_quick_or_partial_runs_never_overwrite_the_committed_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--quick"])

    assert exit_.value.code == 2
    assert "--quick and --only need --output" in capsys.readouterr().err


def test_a_results_document_without_scenarios_is_refused() -> None:
    assert "no scenarios" in problems(
        {
            "schema": 1,
            "date": "2026-11-26",
            "mode": "quick",
            "machine": {},
            "versions": {},
            "scenarios": [],
        }
    )
