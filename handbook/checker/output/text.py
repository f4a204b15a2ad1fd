"""One finding per line: ``ID level path:line:col [tool code] message <short URL>``.

Colour only on a terminal, never when ``NO_COLOR`` is set (no-color.org).
"""

import os
from typing import TextIO

from handbook.checker.catalogue import Catalogue
from handbook.checker.output.common import DEPARTURE_ID, shown_path, summary
from handbook.checker.runner import Report

LEVEL_COLOURS = {"must": "31", "should": "33", "consider": "36"}


def use_colour(stream: TextIO, choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


class Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


def render(
    report: Report, catalogue: Catalogue, colour: bool, show_departures: bool
) -> str:
    paint = Paint(colour)
    lines = []
    for finding in report.findings:
        principle = catalogue.principles[finding.principle_id]
        where = f"{shown_path(finding.path)}:{finding.line}:{finding.column}"
        lines.append(
            f"{paint(finding.principle_id, '1')} {paint(principle.level, LEVEL_COLOURS[principle.level])} "
            f"{where} [{finding.rule.tool} {finding.tool_code}] {finding.message} {paint(principle.short_url, '2')}"
        )
    for problem in report.problems:
        kind = "invalid" if problem.kind == "invalid-departure" else "unused"
        lines.append(
            f"{paint(DEPARTURE_ID, '1')} {paint(kind, '35')} {shown_path(problem.path)}:{problem.line}:{problem.column} "
            f"{problem.message} {paint(catalogue.departure_guide, '2')}"
        )
    if show_departures:
        for departed in report.departed:
            finding = departed.finding
            lines.append(
                f"{paint(finding.principle_id, '1')} {paint('departed', '2')} "
                f"{shown_path(finding.path)}:{finding.line}:{finding.column} [{finding.rule.tool} {finding.tool_code}] "
                f"{finding.message} (departs at line {departed.departure_line}: {departed.reason})"
            )
    for item in report.not_checked:
        rules = sorted({f"{r.principle_id} ({r.tool} {r.code})" for r in item.rules})
        which = f" Rules not checked: {', '.join(rules)}." if rules else ""
        label = "not checked" if item.failure else "not checked (nothing to check)"
        lines.append(f"{paint(label, '35')}: {item.reason}.{which}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
