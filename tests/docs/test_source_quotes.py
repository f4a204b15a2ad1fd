"""What a principle page quotes from the source is the source's own text.

A sentence such as ``The source says "always paginate list endpoints"``
attributes its absolute word to the source; it holds only if the source
says exactly that. Every quotation that follows "the source says", "writes"
"lists" or "asks to" (and each further quotation joined by "and", "and
to" or a comma) is found
in the source document, case and line breaks aside.
"""

import re

import pytest

from handbook.checks.absolutes import fold
from handbook.content.docs_tree import DOCS_DIR
from handbook.content.markdown_document import read_document
from tests.support.source_code import SOURCE_DOCUMENT

PAGES = sorted((DOCS_DIR / "principles").rglob("*.md"))
ATTRIBUTION = re.compile(
    r"[Tt]he source(?: document)? (?:says|writes|lists|asks(?: to)?)(?: only)?"
    r"(?P<quotes>(?:,? (?:and |or )?(?:to )?[\"“][^\"”]+[\"”])+)"
)
QUOTE = re.compile(r"[\"“](?P<text>[^\"”]+)[\"”]")


def _normal(text: str) -> str:
    """Lower case, one space, no Markdown emphasis or code ticks, no dashes."""
    text = (
        re.sub(r"[`*_]", "", text).lower().replace("\u2014", "-").replace("\u2013", "-")
    )
    return " ".join(text.split())


def attributed_quotes(prose: str) -> list[str]:
    return [
        quote["text"]
        for match in ATTRIBUTION.finditer(fold(prose))
        for quote in QUOTE.finditer(match["quotes"])
    ]


def test_attributions_are_found_with_every_quote_they_join() -> None:
    prose = 'The source says "always paginate" and "use cursors", and stops.'
    assert attributed_quotes(prose) == ["always paginate", "use cursors"]
    prose = 'The source asks to "avoid blocking" and to "use async", and so on.'
    assert attributed_quotes(prose) == ["avoid blocking", "use async"]


@pytest.mark.parametrize(
    "page", PAGES, ids=lambda p: p.relative_to(DOCS_DIR).as_posix()
)
def test_every_quote_the_page_attributes_to_the_source_is_in_it(page: object) -> None:
    assert isinstance(page, type(DOCS_DIR))
    document = read_document(page)
    prose = "\n".join(
        line
        for number, line in enumerate(document.lines, start=1)
        if number >= document.body_line and number not in document.fenced_lines
    )
    source = _normal(SOURCE_DOCUMENT.read_text(encoding="utf-8"))
    missing = [
        q for q in attributed_quotes(prose) if _normal(q).rstrip(".") not in source
    ]
    assert not missing, f"{page}: not in the source: {missing}"
