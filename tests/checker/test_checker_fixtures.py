"""Every rule has a fixture repository that breaks it and one that does not.

Each ``tests/checker/fixtures/<name>/`` holds ``bad/`` (code that breaks
the rules of that family, realistic and small), ``good/`` (the same service
written the way the handbook asks), and ``expected.txt``: exactly what
``principles check --stage all`` reports on ``bad/``. A fixture is copied
into a fresh git work tree first, so nothing of this repository (its
uv.lock, its Taskfile, its git index) leaks into the result.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from handbook.checker.registry import RULES
from tests.checker.checker_support import (
    FIXTURES,
    check,
    copy_fixture,
    expected_lines,
    git_repository,
    summary_lines,
)

CASES = sorted(path.name for path in FIXTURES.iterdir() if (path / "bad").is_dir())
# Files git would ignore in this repository, written into the copy instead.
SETUP: dict[str, Callable[[Path], object]] = {
    "layout": lambda bad: (bad / ".env").write_text(
        "DATABASE_URL=postgresql://nursery@db/nursery\n", encoding="utf-8"
    ),
}


def prepared(name: str, side: str, tmp_path: Path) -> Path:
    project = copy_fixture(name, side, tmp_path)
    if side == "bad" and name in SETUP:
        SETUP[name](project)
    git_repository(project)
    return project


@pytest.mark.parametrize("name", CASES)
def test_a_bad_fixture_gives_exactly_the_expected_findings(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = prepared(name, "bad", tmp_path)

    run = check(
        project,
        "--stage",
        "all",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert summary_lines(run.report) == expected_lines(name)
    assert run.exit_code == 1
    assert [n for n in run.report["not_checked"] if n["failure"]] == []


@pytest.mark.parametrize("name", CASES)
def test_a_good_fixture_gives_no_finding(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = prepared(name, "good", tmp_path)

    run = check(
        project,
        "--stage",
        "all",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert run.report["findings"] == []
    assert run.report["departure_problems"] == []
    assert run.exit_code == 0


def test_every_rule_is_broken_by_some_bad_fixture() -> None:
    reported = {
        tuple(line.split()[:3])
        for name in CASES
        for line in expected_lines(name)
        if not line.startswith("DEPARTURE")
    }
    reported |= {
        tuple(line.split()[1:4])
        for name in CASES
        for line in expected_lines(name)
        if line.startswith("departed")
    }
    untested = [
        rule.name
        for rule in RULES
        if not any(
            principle_id == rule.principle_id
            and tool == rule.tool
            and rule.matches(code)
            for principle_id, tool, code in reported
        )
    ]
    assert untested == []


def test_no_fixture_file_is_one_pytest_would_collect() -> None:
    # A fixture's tests are code to read, not tests to run.
    collected = [
        p
        for p in FIXTURES.rglob("*.py")
        if p.name.startswith("test_")
        or p.name.endswith("_test.py")
        or p.name == "conftest.py"
    ]
    assert collected == []
