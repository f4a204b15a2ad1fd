"""The source text the handbook is built from, and links into it.

Principles cite a section of *Python Backend Design Principles* by its
heading. The source page shows the document's prose with a stable anchor on
every heading and, under each heading, the principles that cite it. Its code
blocks are not reproduced: the handbook shows only code it has verified, and
the principle pages carry the tested (and, where needed, corrected) versions.

Every statement of the source (a paragraph, a list item, a code block) also
has a stable anchor, ``<section>--<words>``, derived from its section's
heading and its own first words, so a verdict on it (``_data/verdicts.yml``)
can name it and the source page can mark it.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from handbook.content.fences import FencedBlock, fenced_lines, find_fences
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import atx_heading
from handbook.content.registry import Principle

SOURCE_FILE = Path("_data/source-document.md")
TITLE = "Python Backend Design Principles"
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+\.)\s+(?:\[[ x]\]\s+)?(?P<text>.*)$")
_LABEL = re.compile(r"^\*\*[^*]+\*\*$")
ANCHOR_WORDS = 6


def slugify(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def _words_slug(text: str) -> str:
    """The first words of a statement, as an anchor: markup and URLs dropped."""
    plain = re.sub(r"https?://\S+", "", text)
    return "-".join(slugify(plain).split("-")[:ANCHOR_WORDS])


@dataclass(frozen=True)
class Statement:
    """One statement of the source: a paragraph, a list item or a code block."""

    anchor: str
    kind: str
    """``paragraph``, ``item`` or ``code``."""
    section: str
    """The heading of the section it belongs to."""
    line: int
    """1-based line where it starts (a code block's lead-in line, if any)."""
    text: str
    """Its text as written; a code block's content."""
    lead: str = ""
    """For a code block, the sentence introducing it ("Create ``atlas.hcl``:")."""
    language: str = ""
    block_line: int = 0
    """For a code block, the line of its opening fence."""

    def contains(self, quote: str) -> bool:
        """True if ``quote`` is, verbatim, part of this statement.

        Trailing spaces are ignored: the source has some on blank lines of
        its code, and they cannot be seen, nor kept reliably in YAML.
        """
        quote = without_trailing_spaces(quote)
        return quote in without_trailing_spaces(self.text) or (
            bool(self.lead) and quote in without_trailing_spaces(self.lead)
        )

    def line_offset(self, quote: str) -> int:
        """0-based line of this statement's text where ``quote`` starts."""
        text = without_trailing_spaces(self.text)
        return text.count("\n", 0, text.index(without_trailing_spaces(quote)))


def without_trailing_spaces(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n"))


@dataclass(frozen=True)
class _Block:
    """A paragraph, list item or code block of the source, before it is a Statement."""

    kind: str
    section: str
    first: int
    last: int
    text: str
    language: str = ""

    def statement(self, anchor: str, lead: "_Block | None") -> Statement:
        return Statement(
            anchor=anchor,
            kind=self.kind,
            section=self.section,
            line=lead.first if lead else self.first,
            text=self.text,
            lead=lead.text if lead else "",
            language=self.language,
            block_line=self.first if self.kind == "code" else 0,
        )


class _Paragraph:
    """Consecutive prose lines, made one block at a blank line or a new block."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []

    def add(self, number: int, line: str) -> None:
        self.lines.append((number, line))

    def flush(self, section: str) -> list[_Block]:
        if not self.lines:
            return []
        text = "\n".join(line for _, line in self.lines)
        block = _Block("paragraph", section, self.lines[0][0], self.lines[-1][0], text)
        self.lines = []
        return [block]


class _BlockReader:
    """Reads the source line by line into blocks, each in its section."""

    def __init__(self, fences: dict[int, FencedBlock], code_lines: set[int]) -> None:
        self.fences = fences
        self.code_lines = code_lines
        self.found: list[_Block] = []
        self.paragraph = _Paragraph()
        self.section = ""

    def read(self, number: int, line: str) -> None:
        if fence := self.fences.get(number):
            self._flush()
            if fence.source.strip():  # the stray fence at the end says nothing
                self._add("code", number, fence.source, fence.language)
        elif number in self.code_lines:
            return
        elif heading := atx_heading(line):
            self._flush()
            self.section = heading[1]
        elif item := _ITEM.match(line):
            self._flush()
            if not _LABEL.match(item["text"]):  # a bold label heads its sub-items
                self._add("item", number, item["text"])
        elif line.strip():
            self.paragraph.add(number, line)
        else:
            self._flush()

    def _flush(self) -> None:
        self.found += self.paragraph.flush(self.section)

    def _add(self, kind: str, number: int, text: str, language: str = "") -> None:
        self.found.append(_Block(kind, self.section, number, number, text, language))

    def done(self) -> list[_Block]:
        self._flush()
        return self.found


class _Anchors:
    """Anchors handed out so far: ``<section>--<words>``, numbered when taken."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, block: _Block) -> str:
        words = (
            (block.language or "text")
            if block.kind == "code"
            else _words_slug(block.text)
        )
        anchor = base = f"{slugify(block.section)}--{words}"
        suffix = 2
        while anchor in self.used:
            anchor, suffix = f"{base}-{suffix}", suffix + 1
        self.used.add(anchor)
        return anchor


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
            heading = atx_heading(line)
            if heading and number not in code_lines and heading[0] > 1:
                found.setdefault(heading[1], slugify(heading[1]))
        return found

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        """Every statement below the title, in order, each with its anchor.

        A paragraph or list item that ends with a colon and introduces a
        code block is that block's lead-in, not a statement of its own. A
        list item that is only a bold label (``**Caching**``) is a heading
        for its sub-items, and an empty code block (the stray fence the
        document ends with) says nothing: neither is a statement.
        """
        blocks = self._blocks()
        anchors = _Anchors()
        statements = []
        for index, block in enumerate(blocks):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following and self._introduces(block, following):
                continue  # the next code block's lead-in
            previous = blocks[index - 1] if index else None
            lead = previous if previous and self._introduces(previous, block) else None
            statements.append(block.statement(anchors.claim(block), lead))
        return tuple(statements)

    def _blocks(self) -> list["_Block"]:
        """Paragraphs, list items and code blocks, in order, with their section."""
        reader = _BlockReader(
            {block.line: block for block in find_fences(self.path, self.text)},
            fenced_lines(self.path, self.text),
        )
        for number, line in enumerate(self.lines, start=1):
            reader.read(number, line)
        return reader.done()

    def _introduces(self, block: "_Block", code: "_Block") -> bool:
        """True if ``block`` is the lead-in of ``code``: it ends with a colon,
        and only blank lines stand between them."""
        between = self.lines[block.last : code.first - 1]
        return (
            block.kind != "code"
            and code.kind == "code"
            and block.text.rstrip().endswith(":")
            and not any(line.strip() for line in between)
        )

    def statement(self, anchor: str) -> Statement | None:
        return next((s for s in self.statements if s.anchor == anchor), None)

    def anchor_for(self, principle: Principle) -> str:
        """Anchor of the principle's main heading; every heading it cites must exist."""
        headings = self.headings
        for heading in principle.sources:
            if heading not in headings:
                raise LocatedError(
                    principle.document.field_location("source"),
                    f"source {heading!r} is not a heading of {self.path.name}; "
                    f"one of: {', '.join(headings)}",
                )
        return headings[principle.source]

    def render(
        self,
        principles: list[Principle],
        link_prefix: str = "",
        annotate: Callable[[Statement], list[str]] | None = None,
    ) -> str:
        """The source page: prose and headings kept, code blocks summarised.

        ``annotate`` gives each statement its marks: the first string goes
        after a statement's text, or in front of a code block's summary; any
        further ones are list items shown under a code block (one per part of
        it that has its own verdict).
        """
        page = _SourcePage(self, principles, link_prefix, annotate)
        out = [
            f"# Source: {TITLE}",
            "",
            "The design document this handbook turns into principles, as written. Its prose is "
            "reproduced with a stable anchor on every section; its code blocks are not, because "
            "the handbook shows only code it has run. Each section lists the principles that cite "
            "it; their pages hold the tested, and where needed corrected, code.",
            "",
        ]
        if annotate is not None:
            out += [
                "Every statement carries its verdict, checked by running it: **Holds**, "
                "**Corrected** or **Not verifiable here**. Each verdict links to its entry "
                "on the [Corrections](corrections.md) page, which says what was run.",
                "",
            ]
        for number, line in enumerate(self.lines, start=1):
            out += page.line(number, line)
        return "\n".join(out) + "\n"


class _SourcePage:
    """The Source page, line by line of the source document."""

    def __init__(
        self,
        source: SourceDocument,
        principles: list[Principle],
        link_prefix: str,
        annotate: Callable[[Statement], list[str]] | None,
    ) -> None:
        self.citing: dict[str, list[Principle]] = defaultdict(list)
        for principle in principles:
            for heading in principle.sources:
                self.citing[heading].append(principle)
        self.link_prefix = link_prefix
        self.annotate = annotate
        self.blocks = {
            block.line: block for block in find_fences(source.path, source.text)
        }
        self.code_lines = fenced_lines(source.path, source.text)
        # Marks go in front of a code block's summary, after a statement's text.
        self.statements = {
            (s.block_line if s.kind == "code" else s.line + s.text.count("\n")): s
            for s in source.statements
        }

    def line(self, number: int, line: str) -> list[str]:
        """What the page shows for one line of the source."""
        if number in self.blocks:
            return self._code_block(number)
        if number in self.code_lines:
            return []
        if heading := atx_heading(line):
            return self._heading(*heading)
        # Python-Markdown nests a list only under four spaces; the source
        # indents its sub-items by two.
        if (item := _ITEM.match(line)) and item["indent"]:
            line = item["indent"] * 2 + line.lstrip()
        mark = self._marks(number)[0]
        return [f"{line} {mark}" if mark else line]

    def _marks(self, number: int) -> list[str]:
        statement = self.statements.get(number)
        return self.annotate(statement) if self.annotate and statement else [""]

    def _code_block(self, number: int) -> list[str]:
        """A summary in place of the block, its verdicts' marks under it."""
        block = self.blocks[number]
        if not block.source.strip():
            return []
        marks = self._marks(number)
        lines = block.source.count("\n")
        summary = (
            f"{marks[0]} *[{lines}-line {block.language or 'text'} block not "
            "reproduced: see the principles citing this section]*"
        ).lstrip()
        parts = ["", *(f"- {mark}" for mark in marks[1:]), ""] if marks[1:] else []
        return [summary, *parts]

    def _heading(self, level: int, text: str) -> list[str]:
        """A heading with its anchor, and the principles citing its section."""
        if level == 1:
            return []  # the document title is the page title
        out = [f"{'#' * level} {text} {{ #{slugify(text)} }}"]
        if self.citing.get(text):
            links = ", ".join(
                f"[{p.id}]({self.link_prefix}{p.path.as_posix()})"
                for p in self.citing[text]
            )
            out += ["", f"**Principles from this section:** {links}", ""]
        return out
