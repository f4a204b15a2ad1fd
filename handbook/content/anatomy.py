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

from handbook.content.locations import LocatedError
from handbook.content.markdown_document import MarkdownDocument, Section

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


def check_anatomy(document: MarkdownDocument, level: str) -> None:
    """Raise a LocatedError naming the line where the page departs from the anatomy."""
    _check_headings(document, level)
    _check_order(document, level)
    for section in document.sections:
        _check_content(document, section)


def _check_headings(document: MarkdownDocument, level: str) -> None:
    """No title, no generated section, no exceptions on a must."""
    for heading in document.headings:
        where = document.location(heading.line)
        if heading.level == 1:
            raise LocatedError(
                where,
                "no '# ' heading on a principle page: the title comes from front matter",
            )
        if heading.level != 2:
            continue
        if heading.text in GENERATED_SECTIONS:
            raise LocatedError(
                where, f"'## {heading.text}' is generated from front matter; remove it"
            )
        if heading.text == EXCEPTIONS_SECTION and level not in LEVELS_WITH_EXCEPTIONS:
            raise LocatedError(
                where,
                f"'## {heading.text}' is for should and consider pages; this one is "
                f"a {level}. A rule with a good exception is a should.",
            )


def _check_order(document: MarkdownDocument, level: str) -> None:
    """The written sections, all of them, in order, and nothing after them."""
    sections = document.sections
    expected = written_sections(level)
    if sections and sections[-1].title == OPTIONAL_LAST:
        expected.append(OPTIONAL_LAST)
    for index, wanted in enumerate(expected):
        if index >= len(sections):
            after = f" after '## {expected[index - 1]}'" if index else ""
            raise LocatedError(
                document.location(document.end - 1),
                f"section '## {wanted}' is missing{after}",
            )
        if sections[index].title != wanted:
            raise LocatedError(
                document.location(sections[index].line),
                f"expected section '## {wanted}' here, found "
                f"'## {sections[index].title}' (order: {', '.join(RENDERED_ORDER)})",
            )
    if len(sections) > len(expected):
        extra = sections[len(expected)]
        raise LocatedError(
            document.location(extra.line),
            f"unexpected section '## {extra.title}' after '## {expected[-1]}'",
        )


def _check_content(document: MarkdownDocument, section: Section) -> None:
    """Do and Don't show tested code; When it doesn't apply lists its cases."""
    where = document.location(section.line)
    if section.title in SECTIONS_NEEDING_CODE and not any(
        section.line < block.line < section.end for block in document.fences
    ):
        raise LocatedError(
            where, f"'## {section.title}' needs at least one tested code block"
        )
    lines = document.lines[section.line : section.end - 1]
    if section.title == EXCEPTIONS_SECTION and not any(
        line.startswith(("- ", "* ")) for line in lines
    ):
        raise LocatedError(
            where, f"'## {section.title}' needs at least one case, as a list item"
        )
