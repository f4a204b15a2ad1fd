"""What a check produces: findings, and the rules it could not check."""

from dataclasses import dataclass, field
from pathlib import Path

from handbook.checker.rules import Rule


@dataclass(frozen=True)
class Finding:
    """A place in a file that breaks a principle."""

    rule: Rule
    path: Path
    """Absolute."""
    line: int
    column: int
    message: str
    code: str = ""
    """The tool's exact code (``S608``, ``DL3007``); the rule's code if empty."""

    @property
    def tool_code(self) -> str:
        return self.code or self.rule.code

    @property
    def principle_id(self) -> str:
        return self.rule.principle_id

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (
            str(self.path),
            self.line,
            self.column,
            self.principle_id,
            self.tool_code,
        )


@dataclass(frozen=True)
class Departed:
    """A finding that a recorded departure suppresses."""

    finding: Finding
    reason: str
    departure_line: int


@dataclass(frozen=True)
class Problem:
    """A departure comment that is itself wrong, or one that suppresses nothing.

    Reported like a finding, under the pseudo-ID ``DEPARTURE`` (principle IDs
    always have a hyphen, so it can never clash with one).
    """

    path: Path
    line: int
    column: int
    message: str
    kind: str
    """``invalid-departure`` or ``unused-departure``."""


@dataclass(frozen=True)
class NotChecked:
    """Rules that did not run here, and why. Never reported as a pass."""

    rules: tuple[Rule, ...]
    reason: str
    failure: bool
    """True when a tool is missing or failed, or input could not be read:
    the result is incomplete (exit 2). False when there was nothing for the
    rules to look at (no app configured)."""
    path: Path | None = None


@dataclass
class Outcome:
    """What one family of rules produced."""

    findings: list[Finding] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)
