"""Baselines: adopt the checker on a codebase that already has findings.

``--write-baseline FILE`` records today's findings; ``--baseline FILE`` then
reports only the ones that are not in it. A finding is recorded by a
fingerprint that survives code moving around it: the principle ID, the
tool's code, the file (from the project root), the text of the line with
its whitespace collapsed, and which occurrence of that same text it is in
the file. Editing the line, or adding another identical one, makes a new
finding; inserting lines above it does not.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handbook.checker.findings import Finding
from handbook.checker.project import Project, Unreadable

VERSION = 1


class BaselineError(ValueError):
    """An unreadable or malformed baseline file; exit 2."""


@dataclass(frozen=True)
class Fingerprinted:
    finding: Finding
    fingerprint: str


def fingerprints(findings: Iterable[Finding], project: Project) -> list[Fingerprinted]:
    seen: Counter[tuple[str, str, str, str]] = Counter()
    result = []
    for finding in sorted(findings, key=Finding.sort_key):
        relative = project.relative(finding.path)
        key = (
            finding.principle_id,
            finding.tool_code,
            relative,
            _line_text(project, finding),
        )
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256(
            "\0".join([*key, str(occurrence)]).encode("utf-8")
        ).hexdigest()[:20]
        # Named, so a reader of the baseline sees what each entry is about.
        result.append(Fingerprinted(finding, f"{key[0]}:{key[1]}:{digest}"))
    return result


def _line_text(project: Project, finding: Finding) -> str:
    try:
        lines = project.read(finding.path).splitlines()
    except Unreadable:
        return ""
    if 1 <= finding.line <= len(lines):
        return " ".join(lines[finding.line - 1].split())
    return ""


def write(path: Path, findings: Iterable[Finding], project: Project) -> int:
    entries = [
        {
            "fingerprint": item.fingerprint,
            "id": item.finding.principle_id,
            "code": item.finding.tool_code,
            "path": project.relative(item.finding.path),
            "message": item.finding.message,
        }
        for item in fingerprints(findings, project)
    ]
    document = {"version": VERSION, "tool": "principles", "findings": entries}
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(
            f"{path}: cannot write the baseline: {error.strerror}"
        ) from error
    return len(entries)


def read(path: Path) -> set[str]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(
            f"{path}: cannot read the baseline: {error.strerror}"
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(
            f"{path}: not a baseline file (not JSON): {error}"
        ) from error
    if (
        not isinstance(data, dict)
        or data.get("version") != VERSION
        or not isinstance(data.get("findings"), list)
        or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
            for e in data["findings"]
        )
    ):
        raise BaselineError(
            f"{path}: not a principles baseline (version {VERSION}); "
            "write one with --write-baseline"
        )
    return {entry["fingerprint"] for entry in data["findings"]}


def split(
    findings: list[Finding], known: set[str], project: Project
) -> tuple[list[Finding], list[Finding], int]:
    """(new findings, baselined ones, baseline entries that matched nothing)."""
    new, old, matched = [], [], set()
    for item in fingerprints(findings, project):
        if item.fingerprint in known:
            old.append(item.finding)
            matched.add(item.fingerprint)
        else:
            new.append(item.finding)
    return new, old, len(known - matched)
