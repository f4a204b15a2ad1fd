"""Specification: the committed results file is complete, consistent and cited.

``docs/_data/benchmarks.json`` is written by ``uv run task bench`` and
committed, so a fresh clone builds the docs without measuring. These tests
hold it to what the page and the citing pages need.
"""

import copy
import re
from datetime import datetime
from typing import Any

import pytest

from benchmarks.results import (
    DEFAULT_PATH,
    MIN_MEASURED_RUNS,
    REQUIRED_VERSIONS,
    Results,
    citation_keys,
    load,
    problems,
)
from benchmarks.scenarios import SCENARIOS
from handbook.content.docs_tree import DOCS_DIR, markdown_pages
from handbook.content.registry import load_registry

PLACEHOLDER = re.compile(r"\[\[bench:([A-Za-z0-9_.\-]+)\]\]")
REGISTRY = load_registry(DOCS_DIR)


@pytest.fixture(scope="module")
def results() -> Results:
    return load(DEFAULT_PATH)


def _cited_keys() -> dict[str, list[str]]:
    """Every key a page cites, with the pages citing it."""
    cited: dict[str, list[str]] = {}
    for page in markdown_pages():
        for key in PLACEHOLDER.findall(page.read_text()):
            cited.setdefault(key, []).append(page.relative_to(DOCS_DIR).as_posix())
    return cited


def test_the_file_is_a_full_run_of_every_scenario(results: Results) -> None:
    assert results["mode"] == "full"
    assert [s["name"] for s in results["scenarios"]] == list(SCENARIOS)


def test_it_says_when_on_what_machine_and_with_which_versions(results: Results) -> None:
    datetime.fromisoformat(results["date"])
    machine = results["machine"]
    assert machine["cores"] >= 1
    assert machine["memory_bytes"] > 0
    assert machine["cpu_model"]
    assert set(REQUIRED_VERSIONS) <= set(results["versions"])
    assert all(results["versions"][name] for name in REQUIRED_VERSIONS)


def test_every_scenario_has_warm_up_runs_apart_and_enough_measured_runs(
    results: Results,
) -> None:
    for scenario in results["scenarios"]:
        assert scenario["warmup_runs"] >= 1, scenario["name"]
        assert scenario["measured_runs"] >= MIN_MEASURED_RUNS, scenario["name"]
        for m in scenario["measurements"]:
            assert len(m["samples"]) == scenario["measured_runs"], m["key"]
            assert len(m["warmup_samples"]) == scenario["warmup_runs"], m["key"]
            assert m["stats"]["n"] == scenario["measured_runs"], m["key"]


def test_every_key_a_page_cites_exists(results: Results) -> None:
    known = citation_keys(results)

    unknown = {key: pages for key, pages in _cited_keys().items() if key not in known}

    assert unknown == {}


def test_each_scenario_is_cited_by_its_principle_page(results: Results) -> None:
    cited = _cited_keys()
    for scenario in results["scenarios"]:
        citing = {
            page
            for key, pages in cited.items()
            if key.startswith(scenario["name"] + ".")
            for page in pages
        }
        page = REGISTRY.by_id(scenario["principle"]).path.as_posix()
        assert page in citing, scenario["name"]


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda d: d["scenarios"][0]["measurements"][0]["stats"].update(median=-1.0),
         "stats do not match the samples"),
        (lambda d: d["versions"].pop("asyncpg"), "versions: no 'asyncpg'"),
        (lambda d: d["machine"].pop("cpu_model"), "machine: no 'cpu_model'"),
        (lambda d: d["scenarios"][0].update(measured_runs=2),
         "2 measured runs, at least 3"),
        (lambda d: d["scenarios"][0]["measurements"][0]["samples"].pop(),
         "samples for"),
        (lambda d: d["scenarios"][0]["charts"][0]["keys"].append("nope"),
         "shows unknown ['nope']"),
        (lambda d: d.pop("date"), "no 'date'"),
    ],
    ids=["hand-edited median", "version", "machine", "runs", "sample", "chart", "date"],
)  # fmt: skip
def test_a_hand_edited_or_incomplete_file_is_refused(
    results: Results, tamper: Any, problem: str
) -> None:
    assert problems(results) == []
    edited = copy.deepcopy(results)

    tamper(edited)

    assert any(problem in found for found in problems(edited)), problems(edited)
