"""Specification: pages cite measured numbers as ``[[bench:<scenario>.<key>]]``.

The build replaces each placeholder with the measurement's median from the
results file, linked to the scenario's section of the results page; any
placeholder it cannot resolve stops the build at its file and line.
"""

from pathlib import Path

import pytest

from benchmarks.results import Results, Scenario, measurement
from handbook.bench_citations import check, cite, resolve
from handbook.locations import LocatedError

PAGE_URI = "principles/performance/eager-loading.md"


@pytest.fixture
def results() -> Results:
    """Results with one scenario and two measurements, three runs each."""
    scenario = Scenario(
        name="n_plus_one",
        title="N+1 versus eager loading",
        principle="PERF-EAGER-LOAD",
        page=PAGE_URI,
        description="What was measured.",
        parameters={},
        warmup_runs=1,
        measured_runs=3,
        measurements=[
            measurement(
                "1000.lazy.queries",
                "1,000 orders, lazy",
                "queries",
                [1001.0] * 3,
                [1001.0],
            ),
            measurement(
                "1000.lazy.latency_ms",
                "1,000 orders, lazy",
                "ms",
                [412.0, 398.5, 431.25],
                [530.0],
            ),
        ],
        charts=[],
        plans={},
    )
    return Results(
        schema=1,
        date="2026-11-26T12:00:00+00:00",
        mode="full",
        wall_seconds=100.0,
        commit_id=None,
        machine={},
        versions={},
        database_settings={},
        scenarios=[scenario],
    )


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "docs" / PAGE_URI
    path.parent.mkdir(parents=True)
    return path


def test_a_known_key_becomes_the_median_with_its_unit_linked_to_its_figure(
    results: Results,
) -> None:
    text = "Lazily, it took [[bench:n_plus_one.1000.lazy.latency_ms]]."

    cited = resolve(text, results, PAGE_URI)

    assert cited == (
        "Lazily, it took [412 ms](../../benchmarks.md#n-plus-one "
        '"median of 3 runs, 398 ms to 431 ms; measured 2026-11-26").'
    )


def test_counts_print_as_whole_numbers(results: Results) -> None:
    cited = resolve("[[bench:n_plus_one.1000.lazy.queries]]", results, "index.md")

    assert cited.startswith("[1,001 queries](benchmarks.md#n-plus-one ")


def test_an_unknown_key_names_the_file_and_line(results: Results, page: Path) -> None:
    text = "# Title\n\nFine.\nIt took [[bench:n_plus_one.10000.lazy.latency_ms]].\n"

    with pytest.raises(
        LocatedError, match=r"eager-loading\.md:4: unknown benchmark key"
    ) as error:
        check(page, text, results)
    assert "'n_plus_one.10000.lazy.latency_ms'" in str(error.value)


def test_the_line_counts_from_where_the_text_starts_in_the_file(
    results: Results, page: Path
) -> None:
    with pytest.raises(LocatedError, match=r"eager-loading\.md:12:"):
        check(page, "\n[[bench:nope.x]]\n", results, first_line=11)


def test_a_malformed_placeholder_is_an_error_not_text(
    results: Results, page: Path
) -> None:
    with pytest.raises(LocatedError, match=r":1: malformed benchmark citation"):
        check(page, "It took [[bench:n_plus_one.1000.lazy.latency_ms].", results)


def test_a_placeholder_inside_a_code_block_is_refused(
    results: Results, page: Path
) -> None:
    text = "Prose.\n\n```python\nx = '[[bench:n_plus_one.1000.lazy.queries]]'\n```\n"

    with pytest.raises(LocatedError, match=r":4: benchmark citations belong in prose"):
        check(page, text, results)


def test_inline_code_shows_the_syntax_as_written(results: Results, page: Path) -> None:
    text = "Write `[[bench:<scenario>.<measurement>]]` in a sentence.\n"

    check(page, text, results)
    assert resolve(text, results, PAGE_URI) == text


def test_cite_checks_the_file_then_resolves_the_body(
    results: Results, page: Path
) -> None:
    source = "---\nid: X\n---\n\nIt issued [[bench:n_plus_one.1000.lazy.queries]].\n"
    body = source.split("---\n", 2)[2]

    cited = cite(page, source, body, results, PAGE_URI)

    assert cited == body.replace(
        "[[bench:n_plus_one.1000.lazy.queries]]",
        '[1,001 queries](../../benchmarks.md#n-plus-one "median of 3 runs, '
        'the same in every run; measured 2026-11-26")',
    )
    with pytest.raises(LocatedError, match=r"eager-loading\.md:5:"):
        cite(page, source.replace("queries]]", "querys]]"), body, results, PAGE_URI)
