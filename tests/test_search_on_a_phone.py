"""`task search-speed`: the phases it reports come from the page's marks, a
missing mark is named, and a directory without a built site is refused."""

from pathlib import Path

import pytest

from handbook.tools.search_on_a_phone import main, report, run_from_marks

# Milliseconds since the page's time origin, as the page records them.
MARKS: dict[str, float | None] = {
    "tap": 1_000.0,
    "responseEnd": 4_800.0,
    "setup": 4_850.0,
    "ready": 5_200.0,
    "result": 5_350.0,
    "transferSize": 168_580.0,
}


def test_each_phase_runs_from_one_mark_to_the_next() -> None:
    run = run_from_marks(MARKS)

    assert run.download == pytest.approx(3.8)
    assert run.parse == pytest.approx(0.05)
    assert run.index_build == pytest.approx(0.35)
    assert run.answer == pytest.approx(0.15)
    assert run.first_result == pytest.approx(4.35)
    assert run.transferred == 168_580


def test_the_report_gives_the_median_and_range_of_each_phase() -> None:
    runs = [
        run_from_marks({**MARKS, "result": result})
        for result in (5_300.0, 5_350.0, 6_200.0)
    ]

    lines = report(runs)

    assert lines[-1] == "first result  median   4.35 s  range  4.30- 5.20 s  n=3"
    assert lines[1].startswith("parse         median   0.05 s")


def test_a_mark_the_page_did_not_record_is_named() -> None:
    # Material's worker answering with another message type leaves no "ready".
    with pytest.raises(ValueError, match="recorded no ready"):
        run_from_marks({**MARKS, "ready": None})


def test_a_directory_without_a_built_site_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no built site here"):
        main([str(tmp_path)])
