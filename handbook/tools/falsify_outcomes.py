"""A pytest plugin for ``task falsify``: how each test ended, and why.

``task falsify`` runs pytest with ``-p handbook.tools.falsify_outcomes`` and reads
the JSON lines this writes to ``$FALSIFY_OUTCOMES``: one per test phase
(setup, call, teardown) and one per collector that failed. A counterfactual
is falsified only when a named test's *call* fails by an assertion, so the
record says whether the exception was one (``assert``, ``pytest.fail``,
``pytest.raises`` that did not raise): a test that crashes on an
ImportError, or a fixture that cannot start, proves nothing about the claim.
"""

import json
import os
from collections.abc import Generator

import pytest

OUTCOMES_ENV = "FALSIFY_OUTCOMES"


def _write(record: dict[str, object]) -> None:
    if path := os.environ.get(OUTCOMES_ENV):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    excinfo = call.excinfo
    _write(
        {
            "nodeid": item.nodeid,
            "when": call.when,
            "outcome": report.outcome,
            "exception": excinfo.typename if excinfo else None,
            "by_assertion": bool(
                excinfo
                and excinfo.errisinstance((AssertionError, pytest.fail.Exception))
            ),
        }
    )
    return report


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _write({"nodeid": report.nodeid, "when": "collect", "outcome": "failed"})
