"""The source text the handbook is built from, and links into it.

Principles cite a section of *Python Backend Design Principles* by its
heading. The source page shows the document's prose with a stable anchor on
every heading and, under each heading, the principles that cite it. Its code
blocks are not reproduced: the handbook shows only code it has verified, and
the principle pages carry the tested (and, where needed, corrected) versions.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from handbook.fences import fenced_lines, find_fences
from handbook.locations import LocatedError, Location, line_of
from handbook.registry import Principle

SOURCE_FILE = Path("_data/source-document.md")
TITLE = "Python Backend Design Principles"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")


def slugify(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    text: str

    @classmethod
    def load(cls, docs_dir: Path) -> "SourceDocument":
        path = docs_dir / SOURCE_FILE
        return cls(path, path.read_text(encoding="utf-8"))

    @cached_property
    def headings(self) -> dict[str, str]:
        """Heading text -> anchor, for every heading below the title."""
        code_lines = fenced_lines(self.path, self.text)
        found: dict[str, str] = {}
        for number, line in enumerate(self.text.splitlines(), start=1):
            match = _HEADING.match(line)
            if match and number not in code_lines and len(match[1]) > 1:
                found.setdefault(match[2], slugify(match[2]))
        return found

    def anchor_for(self, principle: Principle, docs_dir: Path) -> str:
        """Anchor of the principle's main heading; every heading it cites must exist."""
        headings = self.headings
        for heading in principle.sources:
            if heading not in headings:
                page = docs_dir / principle.path
                raise LocatedError(
                    Location(
                        page, line_of(page.read_text(encoding="utf-8"), "source:")
                    ),
                    f"source {heading!r} is not a heading of {self.path.name}; "
                    f"one of: {', '.join(headings)}",
                )
        return headings[principle.source]

    def render(self, principles: list[Principle], link_prefix: str = "") -> str:
        """The source page: prose and headings kept, code blocks summarised."""
        citing: dict[str, list[Principle]] = defaultdict(list)
        for principle in principles:
            for heading in principle.sources:
                citing[heading].append(principle)
        blocks = {block.line: block for block in find_fences(self.path, self.text)}
        code_lines = fenced_lines(self.path, self.text)
        out: list[str] = [
            f"# Source: {TITLE}",
            "",
            "The design document this handbook turns into principles, as written. Its prose is "
            "reproduced with a stable anchor on every section; its code blocks are not, because "
            "the handbook shows only code it has run. Each section lists the principles that cite "
            "it; their pages hold the tested, and where needed corrected, code.",
            "",
        ]
        for number, line in enumerate(self.text.splitlines(), start=1):
            if number in blocks:
                block = blocks[number]
                kind = block.language or "text"
                lines = block.source.count("\n")
                out.append(
                    f"*[{lines}-line {kind} block not reproduced: see the principles citing this section]*"
                )
                continue
            if number in code_lines:
                continue
            match = _HEADING.match(line)
            if not match:
                out.append(line)
                continue
            if len(match[1]) == 1:
                continue  # the document title is the page title
            out.append(f"{match[1]} {match[2]} {{ #{slugify(match[2])} }}")
            if citing.get(match[2]):
                links = ", ".join(
                    f"[{p.id}]({link_prefix}{p.path.as_posix()})"
                    for p in citing[match[2]]
                )
                out.extend(["", f"**Principles from this section:** {links}"])
        return "\n".join(out) + "\n"
