"""What every output format needs: paths to print, levels, one record per finding."""

import os
from pathlib import Path
from typing import Any

from handbook.checker.catalogue import Catalogue
from handbook.checker.findings import Finding, NotChecked, Problem
from handbook.checker.rules import Rule
from handbook.checker.runner import Report

DEPARTURE_ID = "DEPARTURE"


def shown_path(path: Path, base: Path | None = None) -> str:
    """Relative to ``base`` (default: the working directory) when inside it."""
    base = base or Path.cwd()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        relative = os.path.relpath(path, base)
        return (
            Path(relative).as_posix()
            if not relative.startswith("..")
            else path.as_posix()
        )


def finding_record(
    finding: Finding, catalogue: Catalogue, base: Path | None = None
) -> dict[str, Any]:
    principle = catalogue.principles[finding.principle_id]
    return {
        "id": finding.principle_id,
        "level": principle.level,
        "title": principle.title,
        "path": shown_path(finding.path, base),
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "tool": finding.rule.tool,
        "code": finding.tool_code,
        "url": principle.short_url,
    }


def problem_record(
    problem: Problem, catalogue: Catalogue, base: Path | None = None
) -> dict[str, Any]:
    return {
        "id": DEPARTURE_ID,
        "kind": problem.kind,
        "path": shown_path(problem.path, base),
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "url": catalogue.departure_guide,
    }


def rule_record(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.principle_id,
        "tool": rule.tool,
        "code": rule.code,
        "stage": rule.stage,
    }


def not_checked_record(item: NotChecked, base: Path | None = None) -> dict[str, Any]:
    return {
        "reason": item.reason,
        "failure": item.failure,
        "path": shown_path(item.path, base) if item.path else None,
        "rules": [rule_record(r) for r in item.rules],
    }


def summary(report: Report) -> str:
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.rule.principle_id] = counts.get(finding.rule.principle_id, 0) + 1
    parts = [f"{len(report.findings)} finding{'s' * (len(report.findings) != 1)}"]
    if report.problems:
        parts.append(
            f"{len(report.problems)} departure problem{'s' * (len(report.problems) != 1)}"
        )
    parts.append(
        f"{len(report.departed)} departure{'s' * (len(report.departed) != 1)} honoured"
    )
    if report.baselined:
        parts.append(f"{len(report.baselined)} in the baseline")
    if report.stale_baseline:
        parts.append(f"{report.stale_baseline} baseline entries no longer found")
    if report.not_checked:
        parts.append(f"{len(report.not_checked)} not checked")
    text = f"{', '.join(parts)} ({report.files_checked} files, {len(report.rules_run)} rules, stage {report.stage})."
    if report.not_in_stage:
        text += f" {len(report.not_in_stage)} rules run only with --stage all."
    return text
