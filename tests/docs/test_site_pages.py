"""The table of pages: the one list the navigation, the build and the tests read."""

from collections.abc import Iterator
from typing import Any

from handbook.content.docs_tree import DOCS_DIR, markdown_pages
from handbook.content.registry import load_registry
from handbook.site.site_pages import (
    ABOUT,
    LISTING_BOOST,
    PRINCIPLE_BOOST,
    SitePage,
    navigation,
    search_meta,
    site_pages,
)

REGISTRY = load_registry(DOCS_DIR)
ROWS = site_pages()


def _nav_entries(nav: list[Any]) -> Iterator[tuple[str, str]]:
    """(title, page) of every page the navigation lists, depth first."""
    for item in nav:
        ((title, value),) = item.items()
        if isinstance(value, list):
            yield from _nav_entries(value)
        else:
            yield title, value


def test_every_hand_written_page_has_a_row_and_every_row_its_page() -> None:
    principles = {p.path.as_posix() for p in REGISTRY.principles}
    written = {
        path.relative_to(DOCS_DIR).as_posix() for path in markdown_pages()
    } - principles
    rows = {row.uri for row in ROWS if not row.generated}

    assert written == rows


def test_a_generated_page_never_shadows_a_file_in_docs() -> None:
    for row in ROWS:
        if row.generated:
            assert not (DOCS_DIR / row.uri).exists(), row.uri


def test_the_navigation_lists_every_titled_row_and_every_principle_once() -> None:
    listed = list(_nav_entries(navigation(ROWS, REGISTRY)))
    pages = [page for _, page in listed]

    assert len(pages) == len(set(pages))
    assert set(pages) == {row.uri for row in ROWS if row.title} | {
        p.path.as_posix() for p in REGISTRY.principles
    }
    assert [p for p in pages if p.startswith("principles/")] == [
        p.path.as_posix() for p in REGISTRY.reading_order()
    ]


def test_the_navigation_puts_top_level_pages_then_areas_then_sections() -> None:
    nav = navigation(ROWS, REGISTRY)
    titles = [next(iter(item)) for item in nav]
    areas = [area.title for area, _ in REGISTRY.areas_in_use()]

    top = [row.title for row in ROWS if row.title and not row.section]
    assert titles == [*top, *areas, "Reference service", "About"]


def test_a_new_row_is_listed_and_ranked_as_it_says() -> None:
    row = SitePage(
        "glossary.md", "Glossary", ABOUT, LISTING_BOOST, render=lambda _: "# Glossary\n"
    )
    rows = (*ROWS, row)

    about = next(
        item["About"] for item in navigation(rows, REGISTRY) if "About" in item
    )

    assert about[-1] == {"Glossary": "glossary.md"}
    assert search_meta(rows, REGISTRY, "glossary.md") == {"boost": LISTING_BOOST}


def test_principles_rank_first_and_the_print_page_is_not_indexed() -> None:
    principle = REGISTRY.principles[0].path.as_posix()

    assert search_meta(ROWS, REGISTRY, principle) == {"boost": PRINCIPLE_BOOST}
    assert search_meta(ROWS, REGISTRY, "print.md") == {"exclude": True}
