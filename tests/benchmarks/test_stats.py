"""Specification: how repeated samples are summarised (benchmarks/stats.py)."""

import dataclasses
import statistics
from typing import get_type_hints

import pytest

from benchmarks.stats import Stats, Summary, percentile, summarize


def test_an_even_number_of_samples_has_the_mean_of_the_middle_two_as_median() -> None:
    summary = summarize([4.0, 1.0, 3.0, 2.0])

    assert summary.median == 2.5
    assert (summary.q1, summary.q3) == (1.75, 3.25)
    assert summary.iqr == 1.5
    assert (summary.min, summary.max, summary.n) == (1.0, 4.0, 4)


def test_an_odd_number_of_samples_has_the_middle_one_as_median() -> None:
    summary = summarize([10.0, 30.0, 20.0, 50.0, 40.0])

    assert summary.median == 30.0
    assert (summary.q1, summary.q3, summary.iqr) == (20.0, 40.0, 20.0)


def test_one_sample_has_no_spread() -> None:
    summary = summarize([7.0])

    assert (summary.median, summary.q1, summary.q3, summary.iqr) == (7.0, 7.0, 7.0, 0)


def test_quartiles_agree_with_the_standard_librarys_inclusive_method() -> None:
    samples = [3.1, 9.4, 2.2, 8.8, 5.0, 1.7, 6.6, 4.9]

    expected = statistics.quantiles(samples, n=4, method="inclusive")

    summary = summarize(samples)
    assert [summary.q1, summary.median, summary.q3] == pytest.approx(expected)


def test_the_99th_percentile_interpolates_between_ranks() -> None:
    latencies = [float(ms) for ms in range(1, 101)]

    assert percentile(latencies, 0.99) == pytest.approx(99.01)
    assert percentile(latencies, 0.5) == 50.5
    assert percentile(latencies, 1.0) == 100.0


def test_summaries_are_refused_for_nothing_or_an_impossible_fraction() -> None:
    with pytest.raises(ValueError, match="no values"):
        summarize([])
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        percentile([1.0], 99)


def test_a_summary_is_stored_as_the_stats_of_the_results_file_field_for_field() -> None:
    """Summary and the results file's Stats declare the same fields, of the
    same types: as_dict builds one from the other with no cast between them."""
    summary = summarize([4.0, 1.0, 3.0, 2.0])

    assert summary.as_dict() == dataclasses.asdict(summary)
    assert get_type_hints(Stats) == {
        field.name: field.type for field in dataclasses.fields(Summary)
    }
