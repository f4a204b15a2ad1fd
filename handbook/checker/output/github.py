"""``--format github``: workflow annotations, and a job summary listing everything.

GitHub shows at most 10 annotations of each kind per step, so the summary
(appended to ``$GITHUB_STEP_SUMMARY`` when the variable is set) lists every
finding, departure problem and unchecked rule in a table.
"""

import os
from pathlib import Path

from handbook.checker.catalogue import Catalogue
from handbook.checker.output.common import DEPARTURE_ID, shown_path, summary
from handbook.checker.runner import Report

COMMANDS = {"must": "error", "should": "warning", "consider": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _base(report: Report) -> Path:
    """Annotations name files from the repository root (the workspace)."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace)
    return report.project.git_root or Path.cwd()


def annotations(report: Report, catalogue: Catalogue) -> str:
    base = _base(report)
    lines = []
    for finding in report.findings:
        principle = catalogue.principles[finding.principle_id]
        title = f"{finding.principle_id} ({finding.rule.tool} {finding.tool_code})"
        lines.append(
            f"::{COMMANDS[principle.level]} file={_property(shown_path(finding.path, base))},"
            f"line={finding.line},col={finding.column},title={_property(title)}::"
            f"{_data(finding.message)} {principle.short_url}"
        )
    for problem in report.problems:
        lines.append(
            f"::error file={_property(shown_path(problem.path, base))},line={problem.line},"
            f"col={problem.column},title={DEPARTURE_ID}::{_data(problem.message)}"
        )
    for item in report.not_checked:
        command = "error" if item.failure else "notice"
        lines.append(
            f"::{command} title=principles%3A not checked::{_data(item.reason)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def job_summary(report: Report, catalogue: Catalogue) -> str:
    base = _base(report)
    lines = ["## principles check", "", summary(report), ""]
    if report.findings or report.problems:
        lines += [
            "| ID | Level | Where | Tool | Finding |",
            "| --- | --- | --- | --- | --- |",
        ]
        for finding in report.findings:
            principle = catalogue.principles[finding.principle_id]
            lines.append(
                f"| [{finding.principle_id}]({principle.short_url}) | {principle.level} | "
                f"`{_cell(shown_path(finding.path, base))}:{finding.line}` | "
                f"{finding.rule.tool} {_cell(finding.tool_code)} | {_cell(finding.message)} |"
            )
        for problem in report.problems:
            lines.append(
                f"| [{DEPARTURE_ID}]({catalogue.departure_guide}) | {problem.kind} | "
                f"`{_cell(shown_path(problem.path, base))}:{problem.line}` | principles | {_cell(problem.message)} |"
            )
        lines.append("")
    if report.not_checked:
        lines += ["### Not checked", ""]
        lines += [f"- {_cell(item.reason)}" for item in report.not_checked]
        lines.append("")
    if report.departed:
        count = len(report.departed)
        lines += [
            f"{count} finding{' is a' if count == 1 else 's are'} recorded departure{'s' * (count != 1)}:",
            "",
        ]
        lines += [
            f"- `{_cell(shown_path(d.finding.path, base))}:{d.finding.line}` {d.finding.principle_id}: {_cell(d.reason)}"
            for d in report.departed
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def render(report: Report, catalogue: Catalogue) -> str:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as summary_file:
            summary_file.write(job_summary(report, catalogue))
    return annotations(report, catalogue)
