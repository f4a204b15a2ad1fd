"""Specification: the "Measured performance" page shows everything in the results file."""

import copy
import re
import xml.etree.ElementTree as ET

import pytest

from benchmarks.results import (
    DEFAULT_PATH,
    Results,
    ResultsError,
    format_range,
    format_value,
    load,
)
from handbook.content.registry import Registry
from handbook.site.benchmarks_page import anchor, check, render
from handbook.site.charts import Bar, bar_chart, nice_step

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def results() -> Results:
    return load(DEFAULT_PATH)


@pytest.fixture(scope="module")
def page(results: Results, registry: Registry) -> str:
    return render(results, registry)


def test_results_come_before_the_machine_and_the_method(
    page: str, results: Results
) -> None:
    first_result = page.index(f"{{#{anchor(results['scenarios'][0]['name'])}}}")
    assert first_result < page.index("## Machine and versions")
    assert first_result < page.index("## Method")
    # The opening still says when, and points at the set-up below.
    assert page.index(results["date"]) < first_result
    assert "](#machine-and-versions)" in page[:first_result]


def test_the_page_says_when_and_on_what_it_was_measured(
    page: str, results: Results
) -> None:
    assert results["date"] in page
    assert results["machine"]["cpu_model"] in page
    assert f"{results['machine']['cores']} cores" in page
    for name, version in results["versions"].items():
        assert version in page, name
    assert "warm-up run" in page
    assert "Quick run" not in page


def test_every_scenario_has_a_section_its_principle_a_table_and_a_figure(
    page: str, results: Results, registry: Registry
) -> None:
    for scenario in results["scenarios"]:
        section = page.split(f"{{#{anchor(scenario['name'])}}}", 1)[1].split(
            "\n## ", 1
        )[0]
        principle = registry.by_id(scenario["principle"])
        assert f"]({principle.path.as_posix()})" in section
        assert scenario["description"] in section
        for m in scenario["measurements"]:
            median = format_value(m["stats"]["median"], m["unit"])
            assert f"| {m['label']} | {median} |" in section, m["key"]
        assert section.count("<svg") == len(scenario["charts"]) >= 1


def test_figures_are_images_with_a_title_and_a_description_of_every_value(
    page: str,
) -> None:
    for svg in re.findall(r"<svg.*?</svg>", page, re.DOTALL):
        root = ET.fromstring(svg)  # noqa: S314  # the page's own SVG, not untrusted input
        assert root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby", "").split()
        title = root.find(f"{SVG}title")
        desc = root.find(f"{SVG}desc")
        assert title is not None
        assert desc is not None
        assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
        labels = [
            t.text for t in root.iter(f"{SVG}text") if t.get("class") == "pbp-label"
        ]
        assert labels
        for label in labels:
            assert f"{label}: median" in (desc.text or "")


def test_the_query_plans_of_the_deepest_page_are_shown(
    page: str, results: Results
) -> None:
    pagination = next(s for s in results["scenarios"] if s["name"] == "pagination")
    assert len(pagination["plans"]) == 2
    for plan in pagination["plans"].values():
        assert "actual time=" in plan
        assert plan.splitlines()[0].split("(")[0] in page


def test_a_quick_run_is_labelled_as_such(results: Results, registry: Registry) -> None:
    quick = copy.deepcopy(results)
    quick["mode"] = "quick"

    assert '!!! warning "Quick run"' in render(quick, registry)


def test_a_scenario_must_name_a_principle_of_the_registry(
    results: Results, registry: Registry
) -> None:
    check(results, registry)
    wrong = copy.deepcopy(results)
    wrong["scenarios"][0]["principle"] = "PERF-NOWHERE"

    with pytest.raises(
        ResultsError, match=r"names PERF-NOWHERE, which is not a principle"
    ):
        check(wrong, registry)


def test_a_scenario_links_its_page_by_the_principle_id_only(results: Results) -> None:
    """The registry knows each page's path; a second copy could only disagree."""
    for scenario in results["scenarios"]:
        assert "page" not in scenario, scenario["name"]


def test_a_chart_has_one_row_per_bar_and_a_round_axis() -> None:
    bars = [
        Bar("lazy", median=412.0, low=398.0, high=431.0, text="412 ms"),
        Bar("eager", median=9.5, low=9.1, high=10.2, text="9.5 ms"),
    ]

    svg = bar_chart("fig-x", "Title", "Desc", bars, "ms")
    root = ET.fromstring(svg)  # noqa: S314  # our own SVG

    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t in {"lazy", "412 ms", "eager", "9.5 ms"}] == [
        "lazy",
        "412 ms",
        "eager",
        "9.5 ms",
    ]
    # About four ticks, 1, 2 or 5 times a power of ten apart, past the largest.
    assert nice_step(431.0) == 200
    assert [t for t in texts if t and t[0].isdigit() and " " not in t] == [
        "0", "200", "400", "600",
    ]  # fmt: skip


def test_ranges_print_the_unit_once_and_a_single_value_when_equal() -> None:
    assert format_range(2.45, 3.05, "ms") == "2.45 \N{EN DASH} 3.05 ms"
    assert format_range(1001, 1001, "queries") == "1,001 queries"
    assert (
        format_range(1.2, 3.4, "ratio")
        == "1.20 \N{EN DASH} 3.40\N{MULTIPLICATION SIGN}"
    )
