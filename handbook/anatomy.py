"""The fixed anatomy of a principle page, checked before the page is built.

A rendered principle page reads, in order: the rule (its summary), Why, Do,
Don't, How to check, When it doesn't apply, In code review, Related, Source.
The rule, the review comment and the source link are generated from the front
matter; the author writes the rest, in this order. A Source section may be
written to add notes; the link is appended to it.

"When it doesn't apply" belongs to *should* and *consider* pages only: it
says when departing is the right call. A *must* has no such case; a rule
that has one is a *should*.
"""

import re
from pathlib import Path

from handbook.fences import fenced_lines, find_fences
from handbook.locations import LocatedError, Location

WRITTEN_SECTIONS = ("Why", "Do", "Don't", "How to check", "Related")
EXCEPTIONS_SECTION = "When it doesn't apply"
LEVELS_WITH_EXCEPTIONS = ("should", "consider")
OPTIONAL_LAST = "Source"
GENERATED_SECTIONS = ("In code review",)
RENDERED_ORDER = (
    "Why",
    "Do",
    "Don't",
    "How to check",
    EXCEPTIONS_SECTION,
    "In code review",
    "Related",
    "Source",
)
SECTIONS_NEEDING_CODE = ("Do", "Don't")

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*(?:\{[^}]*\})?\s*$")


def headings(path: Path, body: str, first_line: int) -> list[tuple[int, int, str]]:
    """(line, level, text) of every ATX heading outside code blocks."""
    in_fence = fenced_lines(path, body)
    found = []
    for number, line in enumerate(body.splitlines(), start=1):
        if number in in_fence:
            continue
        if match := _HEADING.match(line):
            found.append((number + first_line - 1, len(match["hashes"]), match["text"]))
    return found


def written_sections(level: str) -> list[str]:
    """The sections an author writes on a page of this level, in order."""
    sections = list(WRITTEN_SECTIONS)
    if level in LEVELS_WITH_EXCEPTIONS:
        sections.insert(sections.index("Related"), EXCEPTIONS_SECTION)
    return sections


def rendered_sections(level: str) -> list[str]:
    """The sections of a rendered page of this level, generated ones included."""
    written = written_sections(level)
    return [
        section
        for section in RENDERED_ORDER
        if section in written
        or section in GENERATED_SECTIONS
        or section == OPTIONAL_LAST
    ]


def check_anatomy(path: Path, body: str, first_line: int, level: str) -> None:
    """Raise a LocatedError naming the line where the page departs from the anatomy."""
    found = headings(path, body, first_line)
    for line, depth, text in found:
        if depth == 1:
            raise LocatedError(
                Location(path, line),
                "no '# ' heading on a principle page: the title comes from front matter",
            )
        if depth == 2 and text in GENERATED_SECTIONS:
            raise LocatedError(
                Location(path, line),
                f"'## {text}' is generated from front matter; remove it",
            )
    sections = [(line, text) for line, depth, text in found if depth == 2]
    if level not in LEVELS_WITH_EXCEPTIONS:
        for line, text in sections:
            if text == EXCEPTIONS_SECTION:
                raise LocatedError(
                    Location(path, line),
                    f"'## {text}' is for should and consider pages; this one is "
                    f"a {level}. A rule with a good exception is a should.",
                )
    expected = written_sections(level)
    if sections and sections[-1][1] == OPTIONAL_LAST:
        expected.append(OPTIONAL_LAST)
    for index, wanted in enumerate(expected):
        if index >= len(sections):
            after = f" after '## {expected[index - 1]}'" if index else ""
            last_line = first_line + body.count("\n")
            raise LocatedError(
                Location(path, last_line), f"section '## {wanted}' is missing{after}"
            )
        line, text = sections[index]
        if text != wanted:
            raise LocatedError(
                Location(path, line),
                f"expected section '## {wanted}' here, found '## {text}' "
                f"(order: {', '.join(RENDERED_ORDER)})",
            )
    if len(sections) > len(expected):
        line, text = sections[len(expected)]
        raise LocatedError(
            Location(path, line),
            f"unexpected section '## {text}' after '## {expected[-1]}'",
        )
    _check_sections_have_code(path, body, first_line, sections)
    _check_exceptions_are_listed(path, body, first_line, sections)


def _spans(
    body: str, first_line: int, sections: list[tuple[int, str]]
) -> list[tuple[int, str, int]]:
    """(heading line, heading, first line after the section) of each section."""
    if not sections:
        return []
    ends = [line for line, _ in sections[1:]] + [first_line + body.count("\n") + 1]
    return [(line, text, end) for (line, text), end in zip(sections, ends, strict=True)]


def _check_sections_have_code(
    path: Path, body: str, first_line: int, sections: list[tuple[int, str]]
) -> None:
    fence_lines = [block.line + first_line - 1 for block in find_fences(path, body)]
    for line, text, end in _spans(body, first_line, sections):
        if text in SECTIONS_NEEDING_CODE and not any(
            line < fence < end for fence in fence_lines
        ):
            raise LocatedError(
                Location(path, line),
                f"'## {text}' needs at least one tested code block",
            )


def _check_exceptions_are_listed(
    path: Path, body: str, first_line: int, sections: list[tuple[int, str]]
) -> None:
    """'When it doesn't apply' names at least one case, as a list item."""
    lines = body.splitlines()
    for line, text, end in _spans(body, first_line, sections):
        if text != EXCEPTIONS_SECTION:
            continue
        section = lines[line - first_line + 1 : end - first_line]
        if not any(item.startswith(("- ", "* ")) for item in section):
            raise LocatedError(
                Location(path, line),
                f"'## {text}' needs at least one case, as a list item",
            )
