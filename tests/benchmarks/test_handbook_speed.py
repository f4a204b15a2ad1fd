"""The handbook-speed report: budgets, verdicts, and the config it rebuilds from."""

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchmarks import handbook_speed
from benchmarks.handbook_speed import (
    BUDGETS_SECONDS,
    Samples,
    _config,
    _line,
    _process_cpu,
    bytecode_note,
    measure_build,
)
from benchmarks.stats import summarize
from handbook.site import build_cache, build_worker


def test_the_budgets_are_the_ones_the_readme_states() -> None:
    assert BUDGETS_SECONDS == {
        "suite": 150.0,
        "build": 5.0,
        "warm_build": 2.0,
        "serve_rebuild": 1.5,
        "checker_static": 2.0,
    }


def test_the_build_settings_it_sets_are_the_ones_the_build_reads() -> None:
    """benchmarks may not import handbook (tests/test_layers.py), so it names
    the variables again: a renamed one would measure the wrong build."""
    assert handbook_speed.CACHE_VARIABLE == build_cache.ENVIRONMENT_VARIABLE
    assert handbook_speed.WORKER_VARIABLE == build_worker.ENVIRONMENT_VARIABLE


def test_a_median_over_its_budget_is_reported_as_over() -> None:
    within = _line("build", summarize([4.1, 4.9, 6.0]), 5.0)
    over = _line("build", summarize([5.2, 5.4, 4.0]), 5.0)

    assert "median   4.90 s" in within
    assert within.endswith("budget 5 s: within")
    assert over.endswith("budget 5 s: OVER")
    assert "range   4.00-  5.40 s  n=3" in over


def test_the_engines_build_from_mkdocs_yml_with_its_defaults_filled_in() -> None:
    config = _config()

    assert config["site_url"] == "http://127.0.0.1:8000/"
    assert config["repo_url"].startswith("https://")
    assert config["hooks"] == ["handbook/site/mkdocs_hooks.py"]
    # Nested too: a `!ENV` read as its [NAME, default] list broke the
    # exported build (`extra.published_url` became a list).
    assert config["extra"]["published_url"] == ""


def test_the_cpu_seconds_are_reported_beside_the_wall_clock() -> None:
    line = _line(
        "warm_build", summarize([3.0, 3.2, 9.0]), 2.0, summarize([1.4, 1.5, 1.6])
    )

    assert "median   3.20 s" in line
    assert "cpu median   1.50 s" in line
    assert line.endswith("budget 2 s: OVER")


def test_a_process_s_cpu_seconds_grow_as_it_works() -> None:
    before = _process_cpu(os.getpid())
    sum(i * i for i in range(2_000_000))

    assert _process_cpu(os.getpid()) > before


def test_the_report_says_when_python_caches_no_bytecode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert "uv sync --compile-bytecode" in (bytecode_note() or "")
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE")
    assert bytecode_note() is None


def test_clean_builds_in_one_process_are_paired_with_the_others_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pair sees the same load; neither always goes first."""
    runs: list[tuple[str, Path | None]] = []

    def run(
        command: Sequence[str],
        samples: Samples,
        cwd: Path = tmp_path,
        cache: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        del command, cwd
        worker = (env or {}).get(handbook_speed.WORKER_VARIABLE, "default")
        runs.append((worker, cache))
        samples.wall.append(1.0)
        samples.cpu.append(1.0)

    monkeypatch.setattr(handbook_speed, "_run", run)
    one_process = Samples()
    two_processes = measure_build(4, tmp_path, one_process)

    assert [worker for worker, _ in runs] == [
        *("default", "off"),
        *("off", "default"),
        *("default", "off"),
        *("off", "default"),
    ]
    assert len(two_processes.wall) == len(one_process.wall) == 4
    caches = [cache for _, cache in runs]
    assert len(set(caches)) == 8, "each build starts from an empty cache of its own"
    assert all(cache is not None and not any(cache.iterdir()) for cache in caches)
