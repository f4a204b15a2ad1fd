"""Which principles ``principles check`` checks, and with what.

Every principle is either checked by at least one rule or listed here with
the reason no rule can check it; a test keeps the two complete and apart.
The site shows it on each page and in the checklist (``checked_by_markdown``)
and ``principles.json`` carries it (``coverage_record``).
"""

from typing import Any

from handbook.checker.registry import RULES, rules_for
from handbook.checker.rules import Stage

NOT_MACHINE_CHECKED = {
    "ASYNC-GATHER": "whether two awaits are independent is a judgment about data flow, and a TaskGroup that shares a session fails only against a real database, in a test",
    "OPS-REQUEST-ID": "that an ID reaches every log line of a request shows only in the log a real request writes, which a test reads",
    "QUICK-START": "the commands have to be run on a fresh clone; the checker reads files and runs nothing of the project",
    "SEC-AUTHZ": "who owns what is not in the code's shape or the schema: a test asks for another user's object and compares the answer with a missing one's",
    "SEC-BRUTE-FORCE": "whether failed sign-ins are counted per account and per client, in a store every worker shares, shows only when sign-ins are sent; a test sends them",
    "SEC-BODY-LIMIT": "whether a limit sits in front of every handler depends on the middleware stack at run time; a test sends an oversized body",
    "TEST-ORGANISATION": "branch coverage and the error paths each endpoint declares are measured by running the suite",
}


def coverage_record(principle_id: str) -> dict[str, Any]:
    """For principles.json and ``principles rules --json``."""
    rules = rules_for(principle_id)
    return {
        "machine_checked": bool(rules),
        "checked_by": [
            {
                "tool": r.tool,
                "code": r.code,
                "stage": r.stage,
                "checks": r.checks,
                "known_problems": r.known_problems or None,
            }
            for r in rules
        ],
        "not_checked_because": None if rules else NOT_MACHINE_CHECKED.get(principle_id),
    }


def checked_by_markdown(principle_id: str, checker_page: str) -> str:
    """One line for a principle page: what checks it, or why nothing does.

    ``checker_page`` is the checker's page (docs/checker.md) relative to the
    page the line goes on: a reader new to the checker, or to its stages,
    is one click from what they are.
    """
    checker = f"**[`principles check`]({checker_page}):**"
    rules = rules_for(principle_id)
    if not rules:
        reason = NOT_MACHINE_CHECKED.get(principle_id, "no rule yet")
        return f"{checker} not machine-checked: {reason}."
    stages = sorted({r.stage for r in rules}, key=list(STAGE_GLOSS).index)
    stage_words = f"{' and '.join(stages)} stage{'s' if len(stages) > 1 else ''}"
    glosses = "; ".join(
        f"{stage} {STAGE_GLOSS[stage]}" if len(stages) > 1 else STAGE_GLOSS[stage]
        for stage in stages
    )
    return (
        f"{checker} {checked_by_tools(principle_id)} "
        f"([{stage_words}]({checker_page}#two-stages): {glosses})."
    )


STAGE_GLOSS: dict[Stage, str] = {
    "static": "reads files only, fast enough for pre-commit",
    "ci": "imports the app or runs the slower linters",
}
"""What each stage does, in the words of the checker's page, said beside the
stage's name: a newcomer to the checker reads what "static stage" means
without following the link."""


def checked_by_tools(principle_id: str) -> str | None:
    """The tools and codes that check a principle, for a line of the checklist;
    None when no rule does."""
    tools: dict[str, list[str]] = {}
    for rule in rules_for(principle_id):
        tools.setdefault(rule.tool, []).append(f"`{rule.code}`")
    if not tools:
        return None
    return "; ".join(f"{tool} {', '.join(codes)}" for tool, codes in tools.items())


def machine_checked_ids() -> set[str]:
    return {rule.principle_id for rule in RULES}
