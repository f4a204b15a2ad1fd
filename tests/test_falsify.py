"""How ``task falsify`` judges a run, and how it keeps its scratch copies clean.

The whole measurement takes minutes and runs outside ``task test``; these
tests pin its rules: only an assertion in a named test's call falsifies,
a test that fails with no edit made falsifies nothing, and a copy is
restored to the working tree between counterfactuals.
"""

import subprocess
from pathlib import Path
from typing import Any

import pytest

from handbook.checks.counterfactuals import Counterfactual, Edit
from handbook.content.locations import Location
from handbook.content.tools import tool_path
from handbook.tools.falsify import Result, against_baseline, judge, make_copy, restore

NODE = "tests/service/test_orders_api.py::test_if_none_match_is_a_304"
WHERE = Location(Path("counterfactuals.yml"), 3)


def _counterfactual(*fails: str, edits: tuple[Edit, ...] = ()) -> Counterfactual:
    return Counterfactual(
        "API-ETAG", 1, "A matching tag is a 304.", edits, fails, WHERE
    )


def _record(
    nodeid: str = NODE,
    when: str = "call",
    outcome: str = "failed",
    exception: str | None = "AssertionError",
) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "when": when,
        "outcome": outcome,
        "exception": exception,
        "by_assertion": exception in {"AssertionError", "Failed"},
    }


def test_a_named_test_failing_by_an_assertion_falsifies() -> None:
    status, _ = judge(_counterfactual(NODE), 1, [_record()])

    assert status == "falsified"


def test_pytest_fail_counts_as_an_assertion() -> None:
    status, _ = judge(_counterfactual(NODE), 1, [_record(exception="Failed")])

    assert status == "falsified"


def test_a_named_test_that_passes_is_not_falsified() -> None:
    status, detail = judge(
        _counterfactual(NODE), 0, [_record(outcome="passed", exception=None)]
    )

    assert status == "not falsified"
    assert detail == f"{NODE} passed"


def test_a_crash_that_is_not_an_assertion_is_broken() -> None:
    status, detail = judge(_counterfactual(NODE), 1, [_record(exception="KeyError")])

    assert status == "broken"
    assert "call raised KeyError, not an assertion" in detail


def test_a_fixture_error_is_broken_not_falsified() -> None:
    status, detail = judge(
        _counterfactual(NODE), 1, [_record(when="setup", exception="AssertionError")]
    )

    assert status == "broken"
    assert "setup raised AssertionError" in detail


@pytest.mark.parametrize("exit_code", [2, 3, 4, 5])
def test_a_run_that_tested_nothing_is_broken(exit_code: int) -> None:
    status, detail = judge(_counterfactual(NODE), exit_code, [])

    assert status == "broken"
    assert detail.startswith(f"pytest exited {exit_code}")


def test_a_test_module_that_no_longer_imports_is_broken() -> None:
    records = [{"nodeid": NODE.split("::")[0], "when": "collect", "outcome": "failed"}]

    status, detail = judge(_counterfactual(NODE), 2, records)

    assert status == "broken"
    assert detail == f"collection failed: {NODE.split('::')[0]}"


def test_every_named_test_must_fail() -> None:
    other = NODE.replace("is_a_304", "keeps_the_etag")
    records = [_record(), _record(other, outcome="passed", exception=None)]

    status, detail = judge(_counterfactual(NODE, other), 1, records)

    assert status == "not falsified"
    assert detail == f"{other} passed"


def test_one_failing_parameter_is_enough_for_a_test_named_without_them() -> None:
    records = [
        _record(f"{NODE}[exact]", outcome="passed", exception=None),
        _record(f"{NODE}[weak-form]"),
    ]

    status, _ = judge(_counterfactual(NODE), 1, records)

    assert status == "falsified"


def test_a_test_that_fails_with_no_edit_made_falsifies_nothing() -> None:
    result = Result(_counterfactual(NODE), "falsified", "", 1.0, Path("x.log"))

    assert against_baseline(result, set()) is result
    corrected = against_baseline(result, {NODE})
    assert corrected.status == "broken"
    assert corrected.detail == f"fails with no edit made too: {NODE}"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [tool_path("git"), *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def test_a_scratch_copy_is_its_own_repository_and_is_restored(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "shop").mkdir(parents=True)
    (source / "shop" / "orders.py").write_text("LIMIT = 100\n")
    (source / ".tools").mkdir()  # git-ignored tools the copy links to
    copy = tmp_path / "copy"
    make_copy(copy, ["shop/orders.py"], root=source)
    edits = (
        Edit("shop/orders.py", "LIMIT = 100", "LIMIT = 0", WHERE),
        Edit("shop/cycle.py", None, "import shop.cycle\n", WHERE),
    )

    for edit in _counterfactual(NODE, edits=edits).edits:
        edit.apply(copy)
    (copy / "written-by-a-test.txt").write_text("left behind\n")
    assert (copy / "shop" / "orders.py").read_text() == "LIMIT = 0\n"

    restore(copy)
    assert (copy / "shop" / "orders.py").read_text() == "LIMIT = 100\n"
    assert not (copy / "shop" / "cycle.py").exists()
    assert not (copy / "written-by-a-test.txt").exists()
    # git in the copy answers for the copy, not for the checkout around it.
    assert _git(copy, "ls-files").split() == ["shop/orders.py"]
    assert _git(copy, "status", "--porcelain") == ""
    assert Path(_git(copy, "rev-parse", "--show-toplevel").strip()) == copy
