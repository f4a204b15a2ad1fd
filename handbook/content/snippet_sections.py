"""Named sections in quoted files, and the pages that include them.

A section is marked in a source file with ``# --8<-- [start:name]`` and
``# --8<-- [end:name]``; a page includes it with ``--8<-- "path:name"``.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from handbook.content.locations import LocatedError, Location

_MARKER = re.compile(
    r"-{1,}8<-{1,}\s+\[\s*(?P<kind>start|end)\s*:\s*(?P<name>[a-z][-_0-9a-z]*)\s*\]"
)
QUOTABLE_SUFFIXES = {
    ".py",
    ".yml",
    ".yaml",
    ".toml",
    ".hcl",
    ".sql",
    ".sh",
    ".cfg",
    ".example",
    ".md",
    ".txt",
}


@dataclass(frozen=True)
class Section:
    path: Path
    name: str
    start_line: int
    end_line: int

    def target(self, repo_root: Path) -> str:
        return f"{self.path.relative_to(repo_root).as_posix()}:{self.name}"


def sections_in(path: Path) -> list[Section]:
    """Every named section of a file; unbalanced markers are errors."""
    open_at: dict[str, int] = {}
    found: list[Section] = []
    names: set[str] = set()
    for number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), start=1
    ):
        match = _MARKER.search(line)
        if not match:
            continue
        name = match["name"]
        if match["kind"] == "start":
            if name in open_at or name in names:
                raise LocatedError(
                    Location(path, number), f"section '{name}' is started twice"
                )
            open_at[name] = number
        else:
            if name not in open_at:
                raise LocatedError(
                    Location(path, number), f"section '{name}' ends but never starts"
                )
            start = open_at.pop(name)
            if number == start + 1:
                raise LocatedError(Location(path, start), f"section '{name}' is empty")
            found.append(Section(path, name, start, number))
            names.add(name)
    for name, number in open_at.items():
        raise LocatedError(
            Location(path, number), f"section '{name}' starts but never ends"
        )
    return found


def quotable_files(roots: Iterable[Path]) -> list[Path]:
    files = []
    for root in roots:
        if root.is_file():
            files.append(root)
            continue
        for path in sorted(root.rglob("*")):
            if (
                path.is_file()
                and (path.suffix in QUOTABLE_SUFFIXES or path.name.startswith(".env"))
                and "__pycache__" not in path.parts
            ):
                files.append(path)
    return files


def all_sections(roots: Iterable[Path]) -> list[Section]:
    return [section for path in quotable_files(roots) for section in sections_in(path)]
