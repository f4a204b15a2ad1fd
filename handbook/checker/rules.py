"""What a rule is: a check, the principle it enforces, and who does the checking.

A principle is checked by one or more rules. A rule is run by a tool (Ruff,
grimp, squawk, hadolint) or by the checker itself (``principles``, on the
``ast`` or a project file, and ``openapi``, on the app's OpenAPI document),
and belongs to a stage: ``static`` reads files only and is fast enough for
pre-commit; ``ci`` imports the app or runs the slower linters.
"""

from dataclasses import dataclass
from typing import Literal

Stage = Literal["static", "ci"]


@dataclass(frozen=True)
class Rule:
    """One check. ``code`` is the tool's own code, or a prefix of its codes
    (``ASYNC2`` stands for every Ruff ASYNC2xx rule)."""

    principle_id: str
    tool: str
    code: str
    stage: Stage
    checks: str
    """What is checked, in one sentence."""
    known_problems: str = ""
    """Where the rule is wrong, said plainly, as Ruff's rule pages do."""
    applies_to: tuple[str, ...] = ("service", "test", "script")
    """Which Python files it reports on: service code, tests, scripts."""

    @property
    def name(self) -> str:
        """``tool code``, as printed beside the principle ID."""
        return f"{self.tool} {self.code}"

    def matches(self, code: str) -> bool:
        """Whether a tool's code is one of this rule's."""
        if self.code.endswith("*"):
            return code.startswith(self.code[:-1])
        return code == self.code
