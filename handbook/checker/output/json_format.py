"""``--format json``: the whole report, for scripts."""

import json
from pathlib import Path

from handbook.checker.catalogue import Catalogue
from handbook.checker.output.common import (
    finding_record,
    not_checked_record,
    problem_record,
    rule_record,
)
from handbook.checker.runner import Report

VERSION = 1


def render(report: Report, catalogue: Catalogue, base: Path | None = None) -> str:
    document = {
        "version": VERSION,
        "stage": report.stage,
        "exit_code": report.exit_code(),
        "findings": [finding_record(f, catalogue, base) for f in report.findings],
        "departure_problems": [
            problem_record(p, catalogue, base) for p in report.problems
        ],
        "departures": [
            {
                **finding_record(d.finding, catalogue, base),
                "reason": d.reason,
                "departure_line": d.departure_line,
            }
            for d in report.departed
        ],
        "baselined": [finding_record(f, catalogue, base) for f in report.baselined],
        "stale_baseline_entries": report.stale_baseline,
        "not_checked": [not_checked_record(n, base) for n in report.not_checked],
        "not_in_stage": [rule_record(r) for r in report.not_in_stage],
        "files_checked": report.files_checked,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
