"""Every page of the site besides the principles: one row each, in navigation order.

The navigation, the files the build generates, search ranking, edit links,
the all-in-one page and the tests all read this table, so adding a page is
adding a row. A row with a renderer is generated from the registry and its
data (no edit link: there is no file to edit); a row without one is a page
written by hand in docs/. A row without a title is a file outside the
navigation (``llms.txt``).

The navigation lists the rows at the top level, then the principles, area
by area, in reading order, then each section, in the order of its first
row. The API reference adds one row per module of the reference service.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from handbook.content.docs_tree import REPO_ROOT
from handbook.content.registry import Registry
from handbook.site import (
    benchmarks_page,
    listing_pages,
    machine_readable,
    print_page,
)
from handbook.site.api_reference import api_modules, api_page
from handbook.site.corrections_page import annotator, corrections_page
from handbook.site.site_model import Site

# Material's search multiplies a page's score by its boost: principles first,
# pages that only list principles (or document the service's API) after them.
PRINCIPLE_BOOST = 4
LISTING_BOOST = 0.4
API_BOOST = 0.2

REFERENCE = ("Reference service",)
ABOUT = ("About",)


@dataclass(frozen=True)
class SitePage:
    """A page (or file) of the site that is not a principle."""

    uri: str
    """Its path relative to docs/."""
    title: str | None = None
    """Its title in the navigation; None for a file the navigation omits."""
    section: tuple[str, ...] = ()
    """Where the navigation lists it: () at the top, ("About",) in About."""
    boost: float | None = None
    """Its search boost; None leaves Material's default."""
    searchable: bool = True
    render: Callable[[Site], str] | None = None
    """What generates it; None for a page written by hand."""

    @property
    def generated(self) -> bool:
        return self.render is not None

    def search_meta(self) -> dict[str, object]:
        """Material's per-page ``search`` meta."""
        if not self.searchable:
            return {"exclude": True}
        return {} if self.boost is None else {"boost": self.boost}


def _start_here(site: Site) -> str:
    return listing_pages.reading_order(site.registry, site.reading_list)


def _source(site: Site) -> str:
    principles = list(site.registry.principles)
    return site.source.render(principles, annotate=annotator(site.verdicts))


PAGES: tuple[SitePage, ...] = (
    SitePage("index.md", "Home", boost=LISTING_BOOST),
    SitePage("start-here.md", "Start here", boost=LISTING_BOOST, render=_start_here),
    SitePage(
        "checklist.md",
        "Checklist",
        boost=LISTING_BOOST,
        render=lambda site: listing_pages.checklist(site.registry, site.link_url),
    ),
    SitePage("anti-patterns.md", "Anti-patterns"),
    SitePage("code-review.md", "Code review", boost=LISTING_BOOST),
    SitePage("checker.md", "Checker"),
    # Named as its heading: "Overview" in the footer's Next told a reader of
    # the last principle nothing of where it leads.
    SitePage("reference/index.md", "The reference service", REFERENCE),
    SitePage(
        "ids.md",
        "Principle IDs",
        ABOUT,
        LISTING_BOOST,
        render=lambda site: listing_pages.id_index(site.registry),
    ),
    # For printing only: out of the navigation (Previous and Next never lead
    # there), search and search engines; every principle again, 1.4 MB on one
    # page. The home page links it as the page to print.
    SitePage(
        "print.md",
        searchable=False,
        render=lambda site: print_page.markdown(site.registry, site.link_url),
    ),
    SitePage(
        "changes.md",
        "Changes",
        ABOUT,
        LISTING_BOOST,
        render=lambda site: listing_pages.changelog(site.registry),
    ),
    SitePage("source.md", "Design document", ABOUT, LISTING_BOOST, render=_source),
    SitePage(
        "corrections.md",
        "Corrections",
        ABOUT,
        render=lambda site: corrections_page(site.verdicts, site.registry),
    ),
    # Evidence for pages in five areas, none of them a principle: it sits
    # with the other pages about the handbook's claims.
    SitePage(
        benchmarks_page.PAGE,
        benchmarks_page.TITLE,
        ABOUT,
        render=lambda site: benchmarks_page.render(site.benchmarks, site.registry),
    ),
    SitePage("contributing.md", "Contributing", ABOUT, LISTING_BOOST),
    # Ranked like a principle: its tags are the topics it points away from,
    # and a reader asking about one should find where to look instead.
    SitePage("not-covered.md", "Not covered", ABOUT, PRINCIPLE_BOOST),
    SitePage(
        "principles.json",
        render=lambda site: machine_readable.principles_json(
            site.registry, site.site_url
        ),
    ),
    SitePage(
        "llms.txt",
        render=lambda site: machine_readable.llms_txt(
            site.registry, site.site_url, site.description
        ),
    ),
)


def _api_page(module: str, site: Site) -> str:
    return api_page(module, site.repo_url, REPO_ROOT)


def api_reference_pages() -> tuple[SitePage, ...]:
    """One page per module of the service, grouped by package: shop, then
    shop.core, shop.orders, ... (a package of one module is not a group)."""
    modules = api_modules()
    packages = [".".join(module.split(".")[:2]) for module in modules]
    return tuple(
        SitePage(
            f"reference/{module}.md",
            module,
            REFERENCE + ((package,) if packages.count(package) > 1 else ()),
            API_BOOST,
            render=partial(_api_page, module),
        )
        for module, package in zip(modules, packages, strict=True)
    )


def site_pages() -> tuple[SitePage, ...]:
    """The whole table: the pages above, then the API reference."""
    return PAGES + api_reference_pages()


def navigation(rows: tuple[SitePage, ...], registry: Registry) -> list[Any]:
    """MkDocs' ``nav``: top-level rows, the areas in reading order, the sections."""
    listed = [row for row in rows if row.title is not None]
    nav: list[Any] = [{row.title: row.uri} for row in listed if not row.section]
    nav += [
        # "ID · short name": one line each, where 55 rules are scanned.
        {area.title: [{p.label: p.path.as_posix()} for p in principles]}
        for area, principles in registry.areas_in_use()
    ]
    return nav + _sections([row for row in listed if row.section])


def _sections(rows: list[SitePage]) -> list[Any]:
    """Nested sections, each where its first row is, holding its rows in order."""
    top: list[Any] = []
    sections: dict[tuple[str, ...], list[Any]] = {(): top}

    def section(path: tuple[str, ...]) -> list[Any]:
        if path not in sections:
            sections[path] = []
            section(path[:-1]).append({path[-1]: sections[path]})
        return sections[path]

    for row in rows:
        section(row.section).append({row.title: row.uri})
    return top


def search_meta(
    rows: tuple[SitePage, ...], registry: Registry, uri: str
) -> dict[str, object]:
    """A page's ``search`` meta: principles rank first, then as its row says."""
    if registry.by_path(uri) is not None:
        return {"boost": PRINCIPLE_BOOST}
    row = next((row for row in rows if row.uri == uri), None)
    return row.search_meta() if row else {}
