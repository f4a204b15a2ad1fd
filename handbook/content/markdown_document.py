"""A Markdown page of docs/, read and parsed once.

The build reads each page one time, in ``on_config``, and keeps what every
later step needs: the front matter, the body and the line it starts on, the
fenced code blocks, the headings and the span of each ``## `` section. Every
line number is a line of the file, so an error anywhere points at the line
to fix.
"""

import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from handbook.content import yaml_loading
from handbook.content.fences import FencedBlock, find_fences
from handbook.content.locations import LocatedError, Location, line_of
from handbook.content.yaml_nodes import parse_error

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*(?:\{[^}]*\})?\s*$")


def atx_heading(line: str) -> tuple[int, str] | None:
    """The level and text of ``line`` if it is an ATX heading, else None.

    An attribute list after the text (``## Errors {#errors}``) is not part
    of the text. The one reading of a heading every part of the build uses:
    the pages, the source document and its coverage.
    """
    if match := _HEADING.match(line):
        return len(match["hashes"]), match["text"]
    return None


@dataclass(frozen=True)
class Heading:
    """An ATX heading outside code blocks."""

    line: int
    level: int
    text: str


@dataclass(frozen=True)
class Section:
    """A ``## `` section: the line of its heading and the first line after it."""

    title: str
    line: int
    end: int


@dataclass(frozen=True)
class MarkdownDocument:
    """One Markdown file: its text, front matter, body, code blocks and sections."""

    path: Path
    text: str
    meta: dict[str, Any]
    """The YAML front matter; empty when the file has none."""
    body_line: int
    """The line of the file the body (what follows the front matter) starts on."""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def body(self) -> str:
        return "".join(self.text.splitlines(keepends=True)[self.body_line - 1 :])

    @property
    def end(self) -> int:
        """One past the body's last line, where a section running to the end stops."""
        return self.body_line + self.body.count("\n") + 1

    @cached_property
    def fences(self) -> tuple[FencedBlock, ...]:
        """The body's fenced code blocks, each at the line of the file it opens on."""
        offset = self.body_line - 1
        return tuple(
            replace(block, line=block.line + offset)
            for block in find_fences(self.path, self.body)
        )

    @cached_property
    def fenced_lines(self) -> frozenset[int]:
        """Every line of the file inside a code block, fences included."""
        return frozenset(line for block in self.fences for line in block.lines)

    @cached_property
    def headings(self) -> tuple[Heading, ...]:
        """Every ATX heading of the body outside code blocks."""
        found = []
        for number in range(self.body_line, len(self.lines) + 1):
            if number in self.fenced_lines:
                continue
            if heading := atx_heading(self.lines[number - 1]):
                found.append(Heading(number, *heading))
        return tuple(found)

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        """The ``## `` sections in order, each running to the next one or the end."""
        starts = [h for h in self.headings if h.level == 2]
        ends = [h.line for h in starts[1:]] + [self.end]
        return tuple(
            Section(h.text, h.line, end) for h, end in zip(starts, ends, strict=True)
        )

    def section(self, title: str) -> Section | None:
        return next((s for s in self.sections if s.title == title), None)

    def location(self, line: int) -> Location:
        return Location(self.path, line)

    def field_location(self, name: str) -> Location:
        """Where the front matter sets ``name`` (the file's first line if nowhere)."""
        front_matter = "\n".join(self.lines[: self.body_line - 1])
        return self.location(line_of(front_matter, f"{name}:"))


def parse_document(
    path: Path, text: str, *, front_matter: bool = True
) -> MarkdownDocument:
    """Parse a page; with ``front_matter``, the page must start with one."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        if front_matter:
            raise LocatedError(
                Location(path, 1), "no YAML front matter (start the file with '---')"
            )
        return MarkdownDocument(path, text, {}, 1)
    end = next(
        (i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None
    )
    if end is None:
        raise LocatedError(
            Location(path, 1), "front matter is not closed by a '---' line"
        )
    return MarkdownDocument(path, text, _front_matter(path, lines[1:end]), end + 2)


def _front_matter(path: Path, lines: list[str]) -> dict[str, Any]:
    try:
        meta = yaml_loading.safe_load("".join(lines)) or {}
    except yaml.YAMLError as error:
        # The front matter starts on the file's second line, after "---".
        raise parse_error(
            path, error, first_line=2, what="front matter is not valid YAML"
        ) from error
    if not isinstance(meta, dict):
        raise LocatedError(
            Location(path, 2), "front matter must be a mapping of fields"
        )
    return meta


def read_document(path: Path, *, front_matter: bool = True) -> MarkdownDocument:
    return parse_document(
        path, path.read_text(encoding="utf-8"), front_matter=front_matter
    )
