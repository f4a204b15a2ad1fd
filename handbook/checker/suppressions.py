"""Recorded departures, applied to findings.

``# Departs from <ID>: <reason>`` (``-- Departs from ...`` in SQL) suppresses
findings of that principle on its own line, or in the statement that follows
it: for Python, a simple statement whole, or a compound statement's header
(its decorators through the ``:``); for SQL, up to the ``;``; for a
Dockerfile, the next instruction with its continuation lines; elsewhere the
next line that is not a comment. Comments in between (a reason that runs
over two lines) are skipped.

A departure is checked the way this repository checks its own
(``handbook.content.departures``): an unknown, merged or retired ID, a *must*, or
no reason is an error, and suppresses nothing. One that suppresses nothing
is reported as unused, as Ruff's RUF100 reports a ``noqa`` that silences
nothing, but only where every rule of its principle ran on the file.
"""

import ast
import io
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from handbook.checker.findings import Departed, Finding, Problem
from handbook.content.departures import (
    MARKER,
    Departure,
    IdRules,
    check_departure,
    marker_in_comment,
    scan_departures,
)
from handbook.content.locations import LocatedError, Location


@dataclass(frozen=True)
class Recorded:
    """A valid departure and the lines it covers."""

    departure: Departure
    lines: range

    @property
    def path(self) -> Path:
        return self.departure.location.path

    def covers(self, finding: Finding) -> bool:
        return (
            finding.path == self.path
            and finding.principle_id == self.departure.principle_id
            and finding.line in self.lines
        )


def departures_in(
    path: Path, text: str, rules: IdRules, tree: ast.Module | None = None
) -> tuple[list[Recorded], list[Problem]]:
    """The departures a file records, and the comments that are wrong."""
    if MARKER not in text:
        return [], []
    if path.suffix == ".py" or path.suffix == ".pyi":
        results = list(_python_departures(path, text, rules))
    else:
        results = list(scan_departures(path, text, rules))
    lines = text.splitlines()
    spans = _python_spans(tree) if tree is not None else {}
    recorded, problems = [], []
    for result in results:
        if isinstance(result, LocatedError):
            problems.append(
                Problem(
                    path, result.location.line, 1, result.message, "invalid-departure"
                )
            )
            continue
        line = result.location.line
        whole = replace(result, reason=_continued(result.reason, lines, line))
        recorded.append(Recorded(whole, _covered(path, lines, line, spans)))
    return recorded, problems


def _continued(reason: str, lines: list[str], line: int) -> str:
    """The reason with the comment lines that carry it on (a reason over two lines)."""
    own = lines[line - 1].strip() if line <= len(lines) else ""
    if not own.startswith(("#", "--")):
        return reason  # a trailing comment ends with its line
    prefix = "--" if own.startswith("--") else "#"
    parts = [reason]
    for following in lines[line:]:
        text = following.strip()
        if not text.startswith(prefix) or MARKER in text or text == prefix:
            break
        parts.append(text[len(prefix) :].strip())
    return " ".join(parts)


def _python_departures(
    path: Path, text: str, rules: IdRules
) -> Iterable[Departure | LocatedError]:
    """Departures in comments only: a docstring that shows the form is not one."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        yield from scan_departures(path, text, rules)
        return
    for token in tokens:
        if token.type == tokenize.COMMENT:
            rest = marker_in_comment(token.string)
            if rest is not None:
                yield check_departure(Location(path, token.start[0]), rest, rules)


def _python_spans(tree: ast.Module) -> dict[int, int]:
    """First line of each statement (decorators included) to its last covered line."""
    spans: dict[int, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(d.lineno for d in decorators)])
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            end = max(start, body[0].lineno - 1)
        else:
            end = node.end_lineno or node.lineno
        spans[start] = max(spans.get(start, start), end)
    return spans


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("#", "--"))


def _covered(path: Path, lines: list[str], line: int, spans: dict[int, int]) -> range:
    own = lines[line - 1] if line <= len(lines) else ""
    if not _is_comment(own):
        return range(line, line + 1)  # a trailing comment: its own line
    following = line + 1
    while following <= len(lines) and _is_comment(lines[following - 1]):
        following += 1
    if following > len(lines):
        return range(line, line + 1)
    end = following
    if path.suffix == ".py":
        end = spans.get(following, following)
    elif path.suffix == ".sql":
        while end < len(lines) and ";" not in lines[end - 1].split("--")[0]:
            end += 1
    elif path.name.startswith("Dockerfile") or path.suffix == ".Dockerfile":
        while end < len(lines) and lines[end - 1].rstrip().endswith("\\"):
            end += 1
    return range(line, end + 1)


def apply(
    findings: list[Finding], recorded: list[Recorded]
) -> tuple[list[Finding], list[Departed], set[int]]:
    """Split findings into kept and departed; return the indexes of used departures."""
    kept, departed, used = [], [], set()
    for finding in findings:
        index = next((i for i, r in enumerate(recorded) if r.covers(finding)), None)
        if index is None:
            kept.append(finding)
            continue
        used.add(index)
        record = recorded[index]
        departed.append(
            Departed(finding, record.departure.reason, record.departure.location.line)
        )
    return kept, departed, used


def unused(
    recorded: list[Recorded], used: set[int], verified: dict[Path, set[str]]
) -> list[Problem]:
    """Departures that suppress nothing, where their principle was fully checked."""
    problems = []
    for index, record in enumerate(recorded):
        principle_id = record.departure.principle_id
        if index in used or principle_id not in verified.get(record.path, set()):
            continue
        problems.append(
            Problem(
                record.path,
                record.departure.location.line,
                1,
                f"unused departure: nothing here breaks {principle_id}; remove the comment",
                "unused-departure",
            )
        )
    return problems
