"""The site in a real browser: nothing leaves 127.0.0.1, no console errors,
the colour scheme persists, and pages stay readable on a 390 px phone."""

from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.includes import expand
from handbook.content.registry import Principle, load_registry
from handbook.site.lead_pair import fallback_sections, lead_pair
from tests.browser.search_box import search

REGISTRY = load_registry(DOCS_DIR)


# One page of every kind the site has: each kind shares its template and
# scripts, so what holds for one holds for the others.
PAGE_KINDS = [
    "",
    REGISTRY.by_id("PERF-EAGER-LOAD").url,
    "start-here/",
    "checklist/",
    "code-review/",
    "ids/",
    "changes/",
    "source/",
    "contributing/",
    "print/",
    "reference/",
    "reference/shop.orders.router/",
    "404.html",
    "no/such/page/",
]


async def test_no_request_leaves_127_0_0_1_and_no_page_logs_an_error(
    page: Page, site_url: str
) -> None:
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    for url in PAGE_KINDS:
        await page.goto(site_url + url, wait_until="load")
    # Search loads its index and worker when used.
    await page.get_by_role("textbox", name="Search").fill("uv")
    await page.wait_for_load_state("networkidle")
    assert len({urlsplit(u).path for u in requested}) > len(PAGE_KINDS)
    elsewhere = sorted({u for u in requested if urlsplit(u).hostname != "127.0.0.1"})
    assert not elsewhere, elsewhere
    # The unknown URL answers 404 by design; the browser logs that one.
    errors = [e for e in errors if "no/such/page/: Failed to load resource" not in e]
    assert not errors, errors


async def test_the_dark_scheme_persists_across_pages(page: Page, site_url: str) -> None:
    await page.goto(site_url)
    await page.locator('label[title="Switch to dark mode"]:visible').click()
    await expect(page.locator("body")).to_have_attribute(
        "data-md-color-scheme", "slate"
    )
    await page.goto(site_url + "checklist/")  # a full page load
    await expect(page.locator("body")).to_have_attribute(
        "data-md-color-scheme", "slate"
    )
    await page.locator('label[title="Switch to light mode"]:visible').click()
    await page.goto(site_url + "start-here/")
    await expect(page.locator("body")).to_have_attribute(
        "data-md-color-scheme", "default"
    )


async def test_the_checklist_fits_a_390_px_phone(phone: Page, site_url: str) -> None:
    await phone.goto(site_url + "checklist/")
    widths = await phone.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            tables: [...document.querySelectorAll('.md-content table')]
                .map(t => t.getBoundingClientRect().width),
            items: document.querySelectorAll('.pbp-checklist li').length,
        })"""
    )
    assert widths["items"] == len(REGISTRY.principles)
    assert widths["page"] <= 390, widths
    assert all(width <= 390 for width in widths["tables"]), widths


async def test_start_here_is_on_the_first_screen_of_a_phone(
    phone: Page, site_url: str
) -> None:
    await phone.goto(site_url)
    link = phone.locator(".md-content").get_by_role("link", name="Start here").first
    box = await link.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844, box


def _widest_lead() -> Principle:
    """Of the pages that lead with two code blocks, the one with the longest
    line: the hardest to fit."""

    def widest(principle: Principle) -> int:
        return max(
            (
                len(line)
                for item in lead_pair(principle.document)
                if item.block is not None
                for line in (
                    expand(item.block) if item.block.is_include else item.block.source
                ).splitlines()
            ),
            default=0,
        )

    paired = [p for p in REGISTRY.principles if not fallback_sections(p.document)]
    return max(paired, key=widest)


async def test_the_lead_pair_stacks_and_fits_a_390_px_phone(
    phone: Page, site_url: str
) -> None:
    principle = _widest_lead()
    await phone.goto(site_url + principle.url)
    layout = await phone.evaluate(
        """() => {
            const [dont, doBlock] = [...document.querySelectorAll('.pbp-lead .highlight')]
                .map(b => b.getBoundingClientRect());
            return {page: document.documentElement.scrollWidth, dont, doBlock};
        }"""
    )
    assert layout["page"] <= 390, (principle.id, layout)
    # Stacked: Don't above Do, each within the screen's width.
    assert layout["dont"]["bottom"] <= layout["doBlock"]["top"], layout
    for box in (layout["dont"], layout["doBlock"]):
        assert box["left"] >= 0, (principle.id, box)
        assert box["right"] <= 390, (principle.id, box)


async def test_the_lead_pair_starts_on_the_first_screen(
    page: Page, site_url: str
) -> None:
    """On a 1280 x 720 laptop screen, the Don't example begins above the fold."""
    principle = REGISTRY.by_id("DB-BOUND-PARAMS")
    await page.goto(site_url + principle.url)
    code = page.locator(".pbp-lead .highlight code").first
    box = await code.bounding_box()
    assert box is not None
    assert box["y"] + 40 <= 720, box


# Every piece of text shown, with the size it renders at (px), where it is
# (a code span or block, in an admonition, a table or a collapsible block),
# and what it says.
SHOWN_TEXT = """() => {
  const shown = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.getClientRects().length === 0) continue;
    if (getComputedStyle(element).visibility === 'hidden') continue;
    const inside = ['code', 'pre', '.admonition', 'table', 'details', '.pbp-aliases']
      .filter(selector => element.closest(selector));
    shown.push([parseFloat(getComputedStyle(element).fontSize), inside,
                node.textContent.trim().slice(0, 40)]);
  }
  return shown;
}"""
# The pages with the site's smallest text: the print page holds every
# principle's (admonitions, tables, aliases), the data pages are tables and
# collapsible blocks with code in them, the reference is mkdocstrings'.
SMALL_TEXT_PAGES = [
    "print/",
    "benchmarks/",
    "corrections/",
    "reference/shop.orders.router/",
]
LEGIBLE_PX = 12  # the smallest size Lighthouse counts as legible on a phone


async def test_no_text_on_a_phone_is_smaller_than_12_px(
    phone: Page, site_url: str
) -> None:
    shown: dict[str, list[tuple[float, list[str], str]]] = {}
    for url in SMALL_TEXT_PAGES:
        await phone.goto(site_url + url, wait_until="networkidle")
        shown[url] = await phone.evaluate(SHOWN_TEXT)
    # A search's results, with the tags of each page.
    await phone.get_by_role("button", name="Search", exact=True).click()
    await search(phone, "connection pool")
    shown["search results"] = await phone.evaluate(SHOWN_TEXT)

    # Material sets code at .85em: what the page shows must hold code in
    # each smaller setting, or this test checks nothing there.
    places = {
        tuple(inside) for texts in shown.values() for _, inside, _ in texts if inside
    }
    for setting in ([".admonition"], ["table"], ["details"], [".pbp-aliases"]):
        assert any(
            "code" in place and set(setting) <= set(place) for place in places
        ), setting
    assert any({"pre", "details"} <= set(place) for place in places)
    small = {
        url: sorted({(size, text) for size, _, text in texts if size < LEGIBLE_PX})
        for url, texts in shown.items()
    }
    assert {url: texts for url, texts in small.items() if texts} == {}
