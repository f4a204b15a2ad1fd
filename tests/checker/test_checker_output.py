"""The four output formats say the same thing, each in its own form.

SARIF is validated against the OASIS SARIF 2.1.0 schema (vendored in
tests/checker/sarif/ with its licence); GitHub annotations follow the
workflow-command syntax and the job summary lists every finding, since
GitHub shows at most 10 annotations of a kind per step.
"""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.checker.checker_support import check, copy_fixture, git_repository

SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture
def departures(tmp_path: Path) -> Path:
    """A repository with findings, departures and bad departure comments."""
    project = copy_fixture("departures", "bad", tmp_path)
    git_repository(project)
    return project


def test_sarif_output_is_valid_sarif_2_1_0(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = check(
        departures,
        "--stage",
        "all",
        "--format",
        "sarif",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    document = json.loads(run.stdout)

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)
    assert document["version"] == "2.1.0"
    assert run.exit_code == 1


def _results(document: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = document["runs"][0]["results"]
    return results


def test_sarif_names_the_principle_links_its_page_and_gives_its_why(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = check(
        departures,
        "--stage",
        "all",
        "--format",
        "sarif",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    document = json.loads(run.stdout)
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}

    memoize = rules["PERF-MEMOIZE"]
    assert (
        memoize["helpUri"]
        == "https://python-backend-principles.github.io/handbook/id/PERF-MEMOIZE/"
    )
    assert memoize["fullDescription"]["text"].startswith(
        "`functools.cache` is the cheapest cache there is"
    )
    assert memoize["defaultConfiguration"]["level"] == "warning"
    finding = next(r for r in _results(document) if r["ruleId"] == "PERF-MEMOIZE")
    assert finding["properties"] == {"tool": "principles", "code": "cache-request-data"}
    assert (
        rules[finding["ruleId"]]
        is document["runs"][0]["tool"]["driver"]["rules"][finding["ruleIndex"]]
    )


def test_sarif_records_departures_as_in_source_suppressions_with_the_reason(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = check(
        departures,
        "--stage",
        "all",
        "--format",
        "sarif",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    suppressed = [r for r in _results(json.loads(run.stdout)) if "suppressions" in r]
    assert sorted(
        (
            r["ruleId"],
            r["suppressions"][0]["kind"],
            r["suppressions"][0]["justification"],
        )
        for r in suppressed
    ) == [
        ("API-CURSOR-PAGINATION", "inSource", "a closed archive"),
        (
            "API-CURSOR-PAGINATION",
            "inSource",
            "the printed list is read page by page, in order, by staff; it never changes while they read it.",
        ),
        (
            "DEPLOY-ENV-PARITY",
            "inSource",
            "the tests start their own server; this one is only for trying the app by hand.",
        ),
    ]


def test_sarif_reports_rules_not_checked_and_an_unsuccessful_run(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("handbook.checker.tools.find", lambda _name: None)
    run = check(
        departures,
        "--stage",
        "all",
        "--format",
        "sarif",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    invocation = json.loads(run.stdout)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    messages = [
        n["message"]["text"]
        for n in invocation["toolExecutionNotifications"]
        if n["level"] == "error"
    ]
    assert any(
        m.startswith("not checked: squawk: squawk is not installed") for m in messages
    )
    assert run.exit_code == 2


def test_github_annotations_carry_file_line_column_and_title(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(departures))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    run = check(
        departures,
        "--stage",
        "all",
        "--format",
        "github",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    lines = run.stdout.splitlines()
    assert (
        "::warning file=shelter/animals/repository.py,line=26,col=2,title=PERF-MEMOIZE (principles cache-request-data)::"
        "@lru_cache on adopters(), which takes session: request data must never be memoised in-process "
        "https://python-backend-principles.github.io/handbook/id/PERF-MEMOIZE/"
    ) in lines
    assert (
        "::error file=migrations/20260301000000_kennels.sql,line=1,col=1,title=DEPARTURE::"
        "DB-MIGRATIONS is a must%3A it has no exceptions, so the code must follow it"
    ).replace("%3A", ":") in lines
    assert sum(line.startswith("::") for line in lines) == 2 + 5 + 1


def test_the_github_job_summary_lists_every_finding_past_the_annotation_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.principles]\nselect = ["OPS-JSON-LOGS"]\n',
        encoding="utf-8",
    )
    (project / "orders.py").write_text(
        '"""Orders."""\n\n' + "".join(f'print("order {n}")\n' for n in range(12)),
        encoding="utf-8",
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project))

    run = check(project, "--format", "github", monkeypatch=monkeypatch, capsys=capsys)

    rows = [
        line
        for line in summary.read_text(encoding="utf-8").splitlines()
        if line.startswith("| [OPS-JSON-LOGS]")
    ]
    assert len(rows) == 12
    assert rows[11].startswith(
        "| [OPS-JSON-LOGS](https://python-backend-principles.github.io/handbook/id/OPS-JSON-LOGS/) | should | `orders.py:14` | ruff T201 |"
    )
    assert run.stdout.count("::warning ") == 12


def test_json_output_holds_findings_departures_problems_and_what_was_not_run(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = check(departures, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)
    report = run.report

    finding = next(f for f in report["findings"] if f["id"] == "PERF-MEMOIZE")
    assert finding == {
        "id": "PERF-MEMOIZE",
        "level": "should",
        "title": "Pure computations are memoised in-process, request data never",
        "path": "shelter/animals/repository.py",
        "line": 26,
        "column": 2,
        "message": "@lru_cache on adopters(), which takes session: request data must never be memoised in-process",
        "tool": "principles",
        "code": "cache-request-data",
        "url": "https://python-backend-principles.github.io/handbook/id/PERF-MEMOIZE/",
    }
    assert {p["kind"] for p in report["departure_problems"]} == {
        "invalid-departure",
        "unused-departure",
    }
    assert {r["tool"] for r in report["not_in_stage"]} >= {"openapi", "squawk"}
    assert report["exit_code"] == run.exit_code == 1


def test_text_output_is_one_line_per_finding_with_the_short_url(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    run = check(
        departures,
        "--select",
        "PERF-MEMOIZE",
        "--color",
        "never",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert run.stdout.splitlines()[0] == (
        "PERF-MEMOIZE should shelter/animals/repository.py:26:2 [principles cache-request-data] "
        "@lru_cache on adopters(), which takes session: request data must never be memoised in-process "
        "https://python-backend-principles.github.io/handbook/id/PERF-MEMOIZE/"
    )


@pytest.mark.parametrize(
    ("colour", "no_color", "coloured"),
    [
        ("always", None, True),
        ("never", None, False),
        ("auto", None, False),
        ("always", "1", True),
        ("auto", "1", False),
    ],
)
def test_colour_only_when_asked_or_on_a_terminal_and_never_under_no_color(
    departures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    colour: str,
    no_color: str | None,
    coloured: bool,
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    run = check(departures, "--color", colour, monkeypatch=monkeypatch, capsys=capsys)

    assert ("\033[" in run.stdout) is coloured


def test_on_a_terminal_the_text_is_coloured_unless_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from handbook.checker.output.text import use_colour

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    # A stand-in stream: isatty() is all use_colour reads of it.
    assert use_colour(Terminal(), "auto") is True  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(Terminal(), "auto") is False  # type: ignore[arg-type]  # likewise
