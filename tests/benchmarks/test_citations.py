"""Specification: pages cite measured numbers as ``[[bench:<scenario>.<key>]]``.

The build replaces each placeholder with the measurement's median from the
results file, linked to the scenario's section of the results page; any
placeholder it cannot resolve stops the build at its file and line.
"""

from pathlib import Path

import pytest

from benchmarks.results import Results, Scenario, measurement
from handbook.content import placeholders
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import MarkdownDocument, parse_document
from handbook.content.placeholders import PageAddress
from handbook.site.bench_citations import bench_kind

PAGE_URI = "principles/performance/eager-loading.md"


@pytest.fixture
def results() -> Results:
    """Results with one scenario and two measurements, three runs each."""
    scenario = Scenario(
        name="n_plus_one",
        title="N+1 versus eager loading",
        principle="PERF-EAGER-LOAD",
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


def _page(text: str) -> MarkdownDocument:
    return parse_document(Path("docs") / PAGE_URI, text, front_matter=False)


def _cite(text: str, results: Results, page_uri: str = PAGE_URI) -> str:
    """``text`` as the build renders it: placeholders checked, then expanded."""
    document = _page(text)
    kinds = {"bench": bench_kind(results)}
    found = placeholders.find(document)
    placeholders.check(found, kinds)
    address = PageAddress(page_uri, page_uri.removesuffix(".md") + "/")
    return "\n".join(placeholders.expand_markdown(document, found, kinds, address))


def test_a_known_key_becomes_the_median_with_its_unit_linked_to_its_figure(
    results: Results,
) -> None:
    text = "Lazily, it took [[bench:n_plus_one.1000.lazy.latency_ms]]."

    cited = _cite(text, results)

    assert cited == (
        "Lazily, it took [412 ms](../../benchmarks.md#n-plus-one "
        '"median of 3 runs, 398 ms to 431 ms; measured 2026-11-26").'
    )


def test_counts_print_as_whole_numbers(results: Results) -> None:
    cited = _cite("[[bench:n_plus_one.1000.lazy.queries]]", results, "index.md")

    assert cited.startswith("[1,001 queries](benchmarks.md#n-plus-one ")


def test_two_citations_on_one_line_are_both_replaced(results: Results) -> None:
    cited = _cite(
        "From [[bench:n_plus_one.1000.lazy.queries]] to "
        "[[bench:n_plus_one.1000.lazy.latency_ms]].",
        results,
    )

    assert cited.startswith("From [1,001 queries](")
    assert " to [412 ms](" in cited


def test_an_unknown_key_names_the_file_and_line(results: Results) -> None:
    text = "# Title\n\nFine.\nIt took [[bench:n_plus_one.10000.lazy.latency_ms]].\n"

    with pytest.raises(
        LocatedError, match=r"eager-loading\.md:4: unknown benchmark key"
    ) as error:
        _cite(text, results)
    assert "'n_plus_one.10000.lazy.latency_ms'" in str(error.value)


def test_the_line_counts_from_the_top_of_the_file(results: Results) -> None:
    text = "---\nid: X\n---\n\nIt took [[bench:nope.x]].\n"
    document = parse_document(Path("docs") / PAGE_URI, text)

    with pytest.raises(LocatedError, match=r"eager-loading\.md:5:"):
        placeholders.check(placeholders.find(document), {"bench": bench_kind(results)})


def test_a_citation_without_a_key_is_an_error(results: Results) -> None:
    with pytest.raises(
        LocatedError, match=r":1: a benchmark citation names its measurement"
    ):
        _cite("It took [[bench]].", results)


def test_a_malformed_placeholder_is_an_error_not_text(results: Results) -> None:
    with pytest.raises(LocatedError, match=r":1: malformed placeholder"):
        _cite("It took [[bench:n_plus_one.1000.lazy.latency_ms].", results)


def test_a_placeholder_inside_a_code_block_is_refused(results: Results) -> None:
    text = "Prose.\n\n```python\nx = '[[bench:n_plus_one.1000.lazy.queries]]'\n```\n"

    with pytest.raises(
        LocatedError, match=r":4: \[\[bench:.*\]\] is in a code block.*belong in prose"
    ):
        _cite(text, results)


def test_inline_code_shows_the_syntax_as_written(results: Results) -> None:
    text = "Write `[[bench:<scenario>.<measurement>]]` in a sentence."

    assert _cite(text, results) == text
