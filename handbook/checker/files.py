"""Rules on project files rather than Python code: how they are declared and run."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from handbook.checker.context import Context
from handbook.checker.findings import Finding, NotChecked, Outcome
from handbook.checker.rules import Rule, Stage

Hit = tuple[Path, int, str]
FileCheckFunction = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True)
class FileCheck:
    rule: Rule
    function: FileCheckFunction


FILE_CHECKS: list[FileCheck] = []


class CannotCheck(Exception):
    """The rule cannot be decided here (no git, no YAML parser): not checked."""

    def __init__(self, reason: str, failure: bool) -> None:
        super().__init__(reason)
        self.failure = failure


def project_rule(
    principle_id: str,
    code: str,
    checks: str,
    *,
    stage: Stage = "static",
    known_problems: str = "",
) -> Rule:
    return Rule(
        principle_id, "principles", code, stage, checks, known_problems=known_problems
    )


def file_check(rule: Rule) -> Callable[[FileCheckFunction], FileCheckFunction]:
    def register(function: FileCheckFunction) -> FileCheckFunction:
        FILE_CHECKS.append(FileCheck(rule, function))
        return function

    return register


def run_file_checks(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    for item in FILE_CHECKS:
        if item.rule not in rules:
            continue
        try:
            for path, line, message in item.function(context):
                outcome.findings.append(Finding(item.rule, path, line, 1, message))
        except CannotCheck as error:
            outcome.not_checked.append(
                NotChecked((item.rule,), str(error), error.failure)
            )
    return outcome
