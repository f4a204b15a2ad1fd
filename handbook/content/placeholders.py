"""One syntax for what the build writes into a page: ``[[kind]]`` or ``[[kind:argument]]``.

A page asks the build for what it must not type itself with a placeholder in
its prose: ``[[bench:n_plus_one.1000.lazy.queries]]`` becomes a measured
median linked to its figure; ``[[all-principles]]`` becomes every principle
page, rendered (the all-in-one page). One parser finds placeholders, outside
code blocks and inline code, with their file and line; one table of kinds,
like the shortcodes hook of Material for MkDocs, says what each becomes.

A kind expands at one of two stages. Most become Markdown before the page is
rendered; a kind that needs other pages' HTML becomes HTML after every page
has been rendered, and so stands alone on its line, a paragraph of its own.

Double brackets cannot be mistaken for an attr_list ``{...}``, a link or any
pymdownx syntax. Every ``[[`` in prose must open a well-formed placeholder of
a known kind, with a valid argument: anything else stops the build at its
file and line, before any page renders. To show the syntax itself, put it in
inline code.
"""

import enum
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from handbook.content.locations import LocatedError, Location
from handbook.content.markdown_document import MarkdownDocument

OPENING = "[["
_PLACEHOLDER = re.compile(
    r"\[\[(?P<kind>[a-z][a-z0-9-]*)(?::(?P<argument>[A-Za-z0-9_.\-]+))?\]\]"
)
_CODE_SPAN = re.compile(r"(`+).+?\1")


class Stage(enum.Enum):
    MARKDOWN = "markdown"
    """Expanded into the page's Markdown, before it is rendered."""
    HTML = "html"
    """Expanded into the page's HTML, once every page has been rendered."""


@dataclass(frozen=True)
class Placeholder:
    """One placeholder as written on a page."""

    kind: str
    argument: str
    """What follows the colon; empty when there is none."""
    location: Location
    column: int
    """0-based column where it starts on its line."""
    text: str
    """The placeholder as written, brackets included."""
    alone: bool = False
    """True when nothing else is written on its line."""
    in_code: bool = False
    """True inside a fenced code block, which is shown as written."""


@dataclass(frozen=True)
class PageAddress:
    """The page a placeholder is expanded on."""

    uri: str
    """Its source, relative to docs/: ``principles/api/etag.md``."""
    url: str
    """Its site-relative URL: ``principles/api/etag/``."""


@dataclass(frozen=True)
class Kind:
    """What placeholders of one kind become."""

    stage: Stage
    check: Callable[[Placeholder], None]
    """Raise a LocatedError for a placeholder that cannot be expanded."""
    expand: Callable[[Placeholder, PageAddress], str]
    """The placeholder's replacement on a page."""


def no_argument(placeholder: Placeholder) -> None:
    """The check of a kind that takes no argument."""
    if placeholder.argument:
        raise LocatedError(
            placeholder.location, f"[[{placeholder.kind}]] takes no argument"
        )


def find(document: MarkdownDocument) -> list[Placeholder]:
    """Every placeholder of the body, in prose or in code blocks; inline code is
    left alone. A malformed one in prose is an error."""
    found = []
    for number in range(document.body_line, len(document.lines) + 1):
        line = document.lines[number - 1]
        if OPENING not in line:
            continue
        in_code = number in document.fenced_lines
        prose = line if in_code else _CODE_SPAN.sub(_blank, line)
        matches = list(_PLACEHOLDER.finditer(prose))
        where = document.location(number)
        if not in_code and len(matches) != prose.count(OPENING):
            raise LocatedError(
                where,
                "malformed placeholder: write [[kind]] or [[kind:argument]], e.g. "
                "[[bench:<scenario>.<measurement>]] (show the syntax in inline code)",
            )
        found += [
            Placeholder(
                kind=match["kind"],
                argument=match["argument"] or "",
                location=where,
                column=match.start(),
                text=match[0],
                alone=line.strip() == match[0],
                in_code=in_code,
            )
            for match in matches
        ]
    return found


def _blank(span: re.Match[str]) -> str:
    """An inline code span as spaces: its text is not prose, its columns stay."""
    return " " * len(span[0])


def check(placeholders: list[Placeholder], kinds: Mapping[str, Kind]) -> None:
    """Each placeholder is of a known kind, placed and written as its kind needs.

    In a code block, text that only looks like a placeholder (TOML's
    ``[[rules]]``) is code; one of a known kind is a mistake, as code blocks
    are shown as written.
    """
    for placeholder in placeholders:
        kind = kinds.get(placeholder.kind)
        if placeholder.in_code:
            if kind is not None:
                raise LocatedError(
                    placeholder.location,
                    f"{placeholder.text} is in a code block, which is shown as "
                    "written: placeholders belong in prose",
                )
            continue
        if kind is None:
            raise LocatedError(
                placeholder.location,
                f"unknown placeholder {placeholder.text}: the kinds are "
                f"{', '.join(sorted(kinds))}",
            )
        if kind.stage is Stage.HTML and not placeholder.alone:
            raise LocatedError(
                placeholder.location,
                f"{placeholder.text} is replaced by whole pages: put it on a line of "
                "its own, with a blank line before and after",
            )
        kind.check(placeholder)


def _expanded(
    placeholders: list[Placeholder], stage: Stage, kinds: Mapping[str, Kind]
) -> list[tuple[Placeholder, Kind]]:
    return [
        (p, kinds[p.kind])
        for p in placeholders
        if not p.in_code and kinds[p.kind].stage is stage
    ]


def expand_markdown(
    document: MarkdownDocument,
    placeholders: list[Placeholder],
    kinds: Mapping[str, Kind],
    page: PageAddress,
) -> list[str]:
    """The document's lines, Markdown-stage placeholders replaced.

    The list has one entry per line of the file, so section spans and line
    numbers still index it.
    """
    lines = list(document.lines)
    # Right to left on each line, so earlier columns stay where they were.
    by_column = sorted(placeholders, key=lambda p: -p.column)
    for placeholder, kind in _expanded(by_column, Stage.MARKDOWN, kinds):
        index = placeholder.location.line - 1
        line, start = lines[index], placeholder.column
        end = start + len(placeholder.text)
        lines[index] = line[:start] + kind.expand(placeholder, page) + line[end:]
    return lines


def expand_html(
    content: str,
    placeholders: list[Placeholder],
    kinds: Mapping[str, Kind],
    page: PageAddress,
) -> str:
    """The page's HTML, each HTML-stage placeholder's paragraph replaced."""
    for placeholder, kind in _expanded(placeholders, Stage.HTML, kinds):
        paragraph = f"<p>{html.escape(placeholder.text)}</p>"
        if paragraph not in content:
            raise LocatedError(
                placeholder.location,
                f"{placeholder.text} did not render as a paragraph of its own",
            )
        content = content.replace(paragraph, kind.expand(placeholder, page), 1)
    return content
