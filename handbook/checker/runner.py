"""One run of the checker: families of rules, then departures, then the baseline."""

from dataclasses import dataclass, field
from pathlib import Path

from handbook.checker import baseline as baselines
from handbook.checker import own, suppressions
from handbook.checker.catalogue import Catalogue
from handbook.checker.config import Config
from handbook.checker.context import Context
from handbook.checker.findings import Departed, Finding, NotChecked, Problem
from handbook.checker.project import Project, Unreadable
from handbook.checker.registry import FAMILIES, RULES
from handbook.checker.rules import Rule

# Text files that may hold a departure comment.
COMMENTED_SUFFIXES = {".py", ".sql", ".toml", ".yaml", ".yml", ".cfg", ".ini", ".sh"}


@dataclass
class Report:
    project: Project
    stage: str
    findings: list[Finding] = field(default_factory=list)
    departed: list[Departed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    stale_baseline: int = 0
    not_checked: list[NotChecked] = field(default_factory=list)
    not_in_stage: list[Rule] = field(default_factory=list)
    rules_run: list[Rule] = field(default_factory=list)
    files_checked: int = 0

    @property
    def failed(self) -> bool:
        """The result is incomplete: a tool failed or input could not be read."""
        return any(n.failure for n in self.not_checked)

    def exit_code(self) -> int:
        if self.failed:
            return 2
        return 1 if self.findings or self.problems else 0


def run(
    project: Project,
    config: Config,
    catalogue: Catalogue,
    stage: str,
    baseline: set[str] | None = None,
) -> Report:
    principle_ids = config.principle_ids(catalogue)
    context = Context(project, config, catalogue, principle_ids)
    report = Report(project, stage)
    wanted = [r for r in RULES if r.principle_id in principle_ids]
    report.not_in_stage = [
        r for r in wanted if stage == "static" and r.stage != "static"
    ]
    findings: list[Finding] = []
    _ = context.python  # parse once; unreadable files are recorded
    for family in FAMILIES:
        rules = [
            r for r in family.rules if r in wanted and r not in report.not_in_stage
        ]
        if not rules:
            continue
        try:
            outcome = family.run(context, rules)
        except Exception as error:  # a bug here must not hide the other families
            report.not_checked.append(
                NotChecked(
                    tuple(rules),
                    f"internal error in the {family.name} rules: {type(error).__name__}: {error}",
                    True,
                )
            )
            continue
        report.rules_run += rules
        findings += outcome.findings
        report.not_checked += outcome.not_checked
    report.not_checked = context.unreadable + report.not_checked
    findings = _deduplicated([f for f in findings if project.in_scope(f.path)])
    report.files_checked = len(project.files)

    recorded, problems, parsed = [], [], {m.path: m.tree for m in context.python}
    for path in project.files:
        if path.suffix in COMMENTED_SUFFIXES or path.name.startswith("Dockerfile"):
            try:
                text = project.read(path)
            except Unreadable:
                continue  # reported as not checked where a rule needed it
            found, bad = suppressions.departures_in(
                path, text, catalogue.id_rules(), parsed.get(path)
            )
            recorded += found
            problems += bad
    kept, report.departed, used = suppressions.apply(findings, recorded)
    problems += suppressions.unused(recorded, used, _verified(report, wanted, context))
    report.problems = sorted(problems, key=lambda p: (str(p.path), p.line))
    if baseline is not None:
        kept, report.baselined, report.stale_baseline = baselines.split(
            kept, baseline, project
        )
    report.findings = sorted(kept, key=Finding.sort_key)
    return report


def _deduplicated(findings: list[Finding]) -> list[Finding]:
    """Drop an own finding where the tool it defers to reported the same line."""
    by_line = {(f.path, f.line, f.tool_code) for f in findings if f.rule.tool == "ruff"}
    kept, seen = [], set()
    for finding in findings:
        key = (
            finding.path,
            finding.line,
            finding.column,
            finding.principle_id,
            finding.tool_code,
            finding.message,
        )
        if key in seen:
            continue
        seen.add(key)
        if finding.rule.tool == "principles":
            defers = own.deferred(finding.rule.code)
            if any(
                (finding.path, finding.line) == (path, line)
                and Rule(finding.principle_id, "ruff", d, "static", "").matches(code)
                for path, line, code in by_line
                for d in defers
            ):
                continue
        kept.append(finding)
    return kept


def _verified(
    report: Report, wanted: list[Rule], context: Context
) -> dict[Path, set[str]]:
    """Per file, the principles every rule of which ran and looked at it: only
    there can a departure be called unused. Every rule reads every Python
    file; other files count only where a rule read them (a Compose file in a
    subdirectory, which the Compose rules never open, is not judged)."""
    ran = set(report.rules_run)
    failed_rules = {r for n in report.not_checked for r in n.rules}
    complete = {
        principle_id
        for principle_id in {r.principle_id for r in wanted}
        if all(
            r in ran and r not in failed_rules
            for r in wanted
            if r.principle_id == principle_id
        )
    }
    unreadable = {n.path for n in report.not_checked if n.path is not None}
    verified = {}
    for path in context.project.files:
        looked_at = path.suffix == ".py" or path in context.examined
        verified[path] = complete if looked_at and path not in unreadable else set()
    return verified
