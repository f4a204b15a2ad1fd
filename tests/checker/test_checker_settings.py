"""[tool.principles] level and exclude change what is reported, not only what parses."""

from pathlib import Path

import pytest

from handbook.checker import catalogue
from tests.checker.checker_support import check, copy_fixture, git_repository

SETTINGS = '\n[tool.principles]\nselect = ["ASYNC-NO-BLOCKING", "STACK-ASYNC-ROUTES", "PERF-MEMOIZE"]\n'


@pytest.fixture
def bookings(tmp_path: Path) -> Path:
    """The async rules' bad fixture: findings at must and at should level,
    in bookings/router.py."""
    project = copy_fixture("async", "bad", tmp_path)
    git_repository(project)
    return project


def _set(project: Path, extra: str) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace(SETTINGS, SETTINGS + extra), encoding="utf-8")


def _findings(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, object]]:
    run = check(project, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)
    findings: list[dict[str, object]] = run.report["findings"]
    return findings


def test_level_reports_that_level_and_the_ones_above_it_only(
    bookings: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = {p.id: p.level for p in catalogue.load().principles.values()}
    everything = _findings(bookings, monkeypatch, capsys)
    assert {levels[str(f["id"])] for f in everything} == {"must", "should"}

    _set(bookings, 'level = "must"\n')
    musts = _findings(bookings, monkeypatch, capsys)

    assert musts == [f for f in everything if levels[str(f["id"])] == "must"]


def test_exclude_skips_the_paths_it_matches(
    bookings: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert any(
        str(f["path"]).startswith("bookings/")
        for f in _findings(bookings, monkeypatch, capsys)
    )

    _set(bookings, 'exclude = ["bookings/**"]\n')

    assert _findings(bookings, monkeypatch, capsys) == []
