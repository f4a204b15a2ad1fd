"""``--format sarif``: SARIF 2.1.0, for code-scanning dashboards.

``ruleId`` is the principle ID, ``helpUri`` its short URL, the page's Why
the rule's full description. A finding a departure suppresses is a result
with ``suppressions[].kind = "inSource"`` and the departure's reason as the
justification; one the baseline holds, ``kind = "external"``. Rules that
could not be checked are tool execution notifications, and a failed tool
makes ``executionSuccessful`` false.
"""

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from handbook.checker.baseline import fingerprints
from handbook.checker.catalogue import Catalogue
from handbook.checker.findings import Finding, Problem
from handbook.checker.output.common import DEPARTURE_ID
from handbook.checker.runner import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"must": "error", "should": "warning", "consider": "note"}


def tool_version() -> str:
    try:
        return version("python-backend-principles")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0"


def _location(path: Path, line: int, column: int, root: Path) -> dict[str, Any]:
    try:
        uri, base = path.relative_to(root).as_posix(), {"uriBaseId": "SRCROOT"}
    except ValueError:
        uri, base = path.as_uri(), {}
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, **base},
            "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
        }
    }


def _rule(principle_id: str, catalogue: Catalogue) -> dict[str, Any]:
    """A principle as a SARIF rule: its page's title, Why and review comment."""
    principle = catalogue.principles[principle_id]
    return {
        "id": principle_id,
        "name": principle.title,
        "shortDescription": {"text": principle.title},
        "fullDescription": {"text": principle.why},
        "help": {"text": principle.review_comment},
        "helpUri": principle.short_url,
        "defaultConfiguration": {"level": LEVELS[principle.level]},
        "properties": {
            "level": principle.level,
            "area": principle.area,
            "summary": principle.summary,
        },
    }


def _departure_rule(catalogue: Catalogue) -> dict[str, Any]:
    """The checker's own rule, for departure comments that are wrong or stale."""
    return {
        "id": DEPARTURE_ID,
        "name": "Departure comments",
        "shortDescription": {
            "text": "A departure comment that is wrong or suppresses nothing"
        },
        "fullDescription": {
            "text": "A departure names a should or consider principle that exists and says why; one that suppresses nothing is stale."
        },
        "helpUri": catalogue.departure_guide,
        "defaultConfiguration": {"level": "error"},
    }


def _rules(report: Report, catalogue: Catalogue) -> list[dict[str, Any]]:
    """A rule for every principle the run checked or reported, then the
    departure rule; results point into this list by index."""
    ids = sorted(
        {f.principle_id for f in report.findings}
        | {d.finding.principle_id for d in report.departed}
        | {f.principle_id for f in report.baselined}
        | {r.principle_id for r in report.rules_run}
    )
    return [*(_rule(i, catalogue) for i in ids), _departure_rule(catalogue)]


def _results(
    report: Report, catalogue: Catalogue, index: dict[str, int]
) -> list[dict[str, Any]]:
    """Findings, departure problems, then the findings a departure or the
    baseline suppresses, each with its suppression."""
    root = report.project.root
    prints = {
        id(item.finding): item.fingerprint
        for item in fingerprints(
            [
                *report.findings,
                *(d.finding for d in report.departed),
                *report.baselined,
            ],
            report.project,
        )
    }

    def result(finding: Finding, suppressions: list[dict[str, str]]) -> dict[str, Any]:
        principle = catalogue.principles[finding.principle_id]
        entry: dict[str, Any] = {
            "ruleId": finding.principle_id,
            "ruleIndex": index[finding.principle_id],
            "level": LEVELS[principle.level],
            "message": {
                "text": f"[{finding.rule.tool} {finding.tool_code}] {finding.message}"
            },
            "locations": [_location(finding.path, finding.line, finding.column, root)],
            "partialFingerprints": {"principles/v1": prints[id(finding)]},
            "properties": {"tool": finding.rule.tool, "code": finding.tool_code},
        }
        if suppressions:
            entry["suppressions"] = suppressions
        return entry

    def problem(item: Problem) -> dict[str, Any]:
        return {
            "ruleId": DEPARTURE_ID,
            "ruleIndex": index[DEPARTURE_ID],
            "level": "error" if item.kind == "invalid-departure" else "warning",
            "message": {"text": item.message},
            "locations": [_location(item.path, item.line, item.column, root)],
            "properties": {"kind": item.kind},
        }

    return [
        *(result(f, []) for f in report.findings),
        *(problem(p) for p in report.problems),
        *(
            result(d.finding, [{"kind": "inSource", "justification": d.reason}])
            for d in report.departed
        ),
        *(
            result(
                f, [{"kind": "external", "justification": "recorded in the baseline"}]
            )
            for f in report.baselined
        ),
    ]


def _notifications(report: Report) -> list[dict[str, Any]]:
    """Rules that could not be checked: an error where a tool failed."""
    root = report.project.root
    return [
        {
            "level": "error" if item.failure else "note",
            "message": {"text": f"not checked: {item.reason}"},
            **({"locations": [_location(item.path, 1, 1, root)]} if item.path else {}),
            "properties": {
                "rules": [f"{r.principle_id} ({r.tool} {r.code})" for r in item.rules]
            },
        }
        for item in report.not_checked
    ]


def render(report: Report, catalogue: Catalogue) -> str:
    rules = _rules(report, catalogue)
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "principles",
                        "informationUri": catalogue.site_url,
                        "version": tool_version(),
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    "SRCROOT": {"uri": report.project.root.as_uri() + "/"}
                },
                "invocations": [
                    {
                        "executionSuccessful": not report.failed,
                        "exitCode": report.exit_code(),
                        "toolExecutionNotifications": _notifications(report),
                    }
                ],
                "results": _results(report, catalogue, index),
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
