"""Every principle page follows the fixed anatomy, in order."""

from pathlib import Path

import pytest

from handbook.content.anatomy import check_anatomy
from handbook.content.docs_tree import DOCS_DIR
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import parse_document
from handbook.content.registry import load_registry

PRINCIPLE_PAGES = [DOCS_DIR / p.path for p in load_registry(DOCS_DIR).principles]


def _check(path: Path, text: str | None = None) -> None:
    document = parse_document(path, text if text is not None else path.read_text())
    check_anatomy(document, document.meta["level"])


@pytest.mark.parametrize(
    "page", PRINCIPLE_PAGES, ids=lambda p: p.relative_to(DOCS_DIR).as_posix()
)
def test_page_follows_the_anatomy(page: Path) -> None:
    _check(page)


def _first_page(*levels: str) -> Path:
    registry = load_registry(DOCS_DIR)
    return next(DOCS_DIR / p.path for p in registry.principles if p.level in levels)


@pytest.fixture
def page() -> Path:
    return _first_page("must")


@pytest.fixture(params=["should", "consider"])
def page_with_exceptions(request: pytest.FixtureRequest) -> Path:
    return _first_page(request.param)


@pytest.mark.parametrize("section", ["Why", "Do", "Don't", "How to check", "Related"])
def test_a_missing_section_is_named_with_its_line(page: Path, section: str) -> None:
    text = page.read_text()
    broken = text.replace(f"\n## {section}\n", "\n### Renamed heading\n")
    with pytest.raises(LocatedError, match=rf"{page.name}:\d+: .*'## {section}'"):
        _check(page, broken)


def test_sections_out_of_order_fail(page: Path) -> None:
    text = page.read_text()
    swapped = (
        text.replace("\n## Why\n", "\n## TEMP\n")
        .replace("\n## Do\n", "\n## Why\n")
        .replace("\n## TEMP\n", "\n## Do\n")
    )
    with pytest.raises(
        LocatedError, match=r"expected section '## Why' here, found '## Do'"
    ):
        _check(page, swapped)


def test_generated_sections_are_not_hand_written(page: Path) -> None:
    text = page.read_text().replace(
        "\n## Related\n", "\n## In code review\n\nLGTM\n\n## Related\n"
    )
    with pytest.raises(LocatedError, match=r"'## In code review' is generated"):
        _check(page, text)


def test_do_needs_tested_code(page: Path) -> None:
    text = page.read_text()
    start, end = text.index("\n## Do\n"), text.index("\n## Don't\n")
    with pytest.raises(
        LocatedError, match=r"'## Do' needs at least one tested code block"
    ):
        _check(page, text[:start] + "\n## Do\n\nJust do it.\n" + text[end:])


EXCEPTIONS = "\n## When it doesn't apply\n"


def test_a_should_or_consider_page_says_when_it_does_not_apply(
    page_with_exceptions: Path,
) -> None:
    text = page_with_exceptions.read_text()
    start, end = text.index(EXCEPTIONS), text.index("\n## Related\n")
    with pytest.raises(
        LocatedError,
        match=rf"{page_with_exceptions.name}:\d+: expected section "
        r"'## When it doesn't apply' here, found '## Related'",
    ):
        _check(page_with_exceptions, text[:start] + text[end:])


def test_when_it_does_not_apply_names_a_case(page_with_exceptions: Path) -> None:
    text = page_with_exceptions.read_text()
    start, end = text.index(EXCEPTIONS), text.index("\n## Related\n")
    emptied = text[:start] + EXCEPTIONS + "\nIt depends.\n" + text[end:]
    with pytest.raises(LocatedError, match=r"needs at least one case, as a list item"):
        _check(page_with_exceptions, emptied)


def test_a_must_has_no_exceptions(page: Path) -> None:
    text = page.read_text().replace(
        "\n## Related\n", EXCEPTIONS + "\n- **Prototypes.** Skip it.\n\n## Related\n"
    )
    with pytest.raises(
        LocatedError, match=r"is for should and consider pages; this one is a must"
    ):
        _check(page, text)
