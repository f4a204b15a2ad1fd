"""The data pages and the links readers share, in a real Chromium.

A pasted short link previews as its principle; a link to a correction opens
it; Corrections and Measured performance fit a 390 px phone, charts
readable there; a local build warns beside its copy buttons, or copies the
published address when one is configured.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from benchmarks.results import DEFAULT_PATH, load
from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry
from handbook.tools.static_server import serve

REGISTRY = load_registry(DOCS_DIR)
PRINCIPLE = REGISTRY.by_id("API-ETAG")
LOCAL = "http://127.0.0.1:8000/"
PUBLISHED = "https://handbook.example/"
# Axis numbers, labels and values: no smaller than this on the phone.
SMALLEST_CHART_TEXT_PX = 11


# --- Link previews ------------------------------------------------------------------------

# What a link previewer reads: the page's HTML, parsed, its redirect not followed.
READ_PREVIEW = """async (url) => {
    const text = await (await fetch(url)).text();
    const head = new DOMParser().parseFromString(text, "text/html");
    const meta = {};
    for (const m of head.querySelectorAll("meta[property], meta[name]")) {
        meta[m.getAttribute("property") || m.getAttribute("name")] = m.content;
    }
    return meta;
}"""


@pytest.mark.parametrize("spelling", [str.upper, str.lower], ids=["ID", "id"])
async def test_a_pasted_short_link_previews_as_its_principle(
    page: Page, site_url: str, spelling: Callable[[str], str]
) -> None:
    await page.goto(site_url)
    meta = await page.evaluate(READ_PREVIEW, f"{site_url}id/{spelling(PRINCIPLE.id)}/")

    assert meta["og:title"] == f"{PRINCIPLE.id}: {PRINCIPLE.title}"
    assert meta["og:description"] == meta["description"] == PRINCIPLE.summary
    assert meta["og:url"] == f"https://handbook.test/{PRINCIPLE.url}"
    assert meta["twitter:card"] == "summary"
    # And a reader who opens it still lands on the page.
    await page.goto(f"{site_url}id/{spelling(PRINCIPLE.id)}/")
    await expect(page).to_have_url(site_url + PRINCIPLE.url)


# --- Corrections --------------------------------------------------------------------------

MEASURE = """() => {
    const width = document.documentElement.clientWidth;
    const content = document.querySelector(".md-content");
    const wider = [...content.querySelectorAll("*")].filter(
        e => e.getBoundingClientRect().right > width + 1
    ).map(e => e.tagName + "." + e.className);
    // A code block (a query plan) scrolls sideways by design; nothing else may.
    const scrolling = [...content.querySelectorAll("*")].filter(
        e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible"
            && !(e.tagName === "CODE" && e.parentElement.tagName === "PRE")
    ).map(e => e.tagName + "." + e.className);
    return {wider, scrolling, height: document.documentElement.scrollHeight,
            screen: window.innerHeight};
}"""


async def test_corrections_fit_a_phone_with_every_correction_closed(
    phone: Page, site_url: str
) -> None:
    await phone.goto(site_url + "corrections/", wait_until="networkidle")
    measured = await phone.evaluate(MEASURE)

    assert measured["wider"] == []
    # Nothing cut off at the side: no table or block to scroll sideways.
    assert measured["scrolling"] == []
    assert await phone.locator(".md-content table").count() == 0
    corrections = phone.locator("details.pbp-correction")
    assert await corrections.count() > 50
    assert await phone.locator("details.pbp-correction[open]").count() == 0
    # 105 screens before the summary and the closed details (88,687 px).
    assert measured["height"] < 15 * measured["screen"], measured["height"]


async def test_the_summary_lists_every_correction_and_opens_the_one_followed(
    page: Page, site_url: str
) -> None:
    await page.goto(site_url + "corrections/")
    index = page.locator(".pbp-index a")
    keys = await page.locator("details.pbp-correction").evaluate_all(
        "ds => ds.map(d => d.id)"
    )
    assert await index.evaluate_all("as => as.map(a => a.hash.slice(1))") == keys

    await index.nth(5).click()
    detail = page.locator(f"details#{keys[5]}")
    await expect(detail).to_have_attribute("open", "")
    await expect(detail.locator(".pbp-transcript").first).to_be_in_viewport()
    assert await page.locator("details.pbp-correction[open]").count() == 1


async def test_a_link_to_a_correction_opens_it_and_a_link_to_a_holding_verdict_too(
    page: Page, site_url: str
) -> None:
    # From a principle page, as its Source section links it.
    await page.goto(site_url + "principles/configuration/config-typed/")
    await page.locator(
        'a[href$="corrections/#configuration-management--python--secret-key"]'
    ).first.click()
    detail = page.locator("details#configuration-management--python--secret-key")
    await expect(detail).to_have_attribute("open", "")
    await expect(detail.locator("summary")).to_be_in_viewport()

    # Typed or pasted: the page loads with the hash.
    holds = page.locator("details.pbp-holds")
    first_hold = await holds.locator("li > span[id]").first.get_attribute("id")
    await page.goto(f"{site_url}corrections/#{first_hold}")
    await expect(holds).to_have_attribute("open", "")
    await expect(page.locator(f"[id='{first_hold}']")).to_be_in_viewport()


# --- Measured performance -----------------------------------------------------------------

CHART_TEXT = """() => [...document.querySelectorAll(".pbp-chart svg")].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll("text")].map(
        t => parseFloat(getComputedStyle(t).fontSize) * scale);
    const box = svg.getBoundingClientRect();
    const outside = [...svg.querySelectorAll("text")].filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 0.5 || r.right > box.right + 0.5;
    }).map(t => t.textContent);
    return {smallest: Math.min(...sizes), outside};
})"""


async def test_measured_performance_on_a_phone_results_first_charts_readable(
    phone: Page, site_url: str
) -> None:
    await phone.goto(site_url + "benchmarks/", wait_until="networkidle")

    headings = [
        h.rstrip("¶") for h in await phone.locator(".md-content h2").all_text_contents()
    ]
    # Every scenario's results, then how and on what they were measured.
    assert headings[-2:] == ["Machine and versions", "Method"]
    measured = await phone.evaluate(MEASURE)
    assert measured["wider"] == []
    assert measured["scrolling"] == []
    charts = await phone.evaluate(CHART_TEXT)
    assert len(charts) == sum(len(s["charts"]) for s in load(DEFAULT_PATH)["scenarios"])
    for chart in charts:
        assert chart["smallest"] >= SMALLEST_CHART_TEXT_PX, chart
        assert chart["outside"] == [], chart


# --- Links copied from a local build ------------------------------------------------------


@pytest.fixture(scope="session")
def local_site_url(build_once: Callable[..., Path]) -> Iterator[str]:
    """The site as `task docs` builds it: site_url on 127.0.0.1, nothing published."""
    site = build_once("local-site", LOCAL)
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def published_site_url(build_once: Callable[..., Path]) -> Iterator[str]:
    """A local build told the published address (PUBLISHED_URL)."""
    site = build_once("published-site", LOCAL, PUBLISHED)
    with serve(site) as url:
        yield url


async def test_a_local_build_warns_beside_each_copy_button(
    page: Page, local_site_url: str
) -> None:
    """Once per page in full, under the rule; a line beside the review comments."""
    await page.goto(local_site_url + PRINCIPLE.url)
    rule = page.locator(".admonition.rule")
    warning = rule.locator(".admonition.warning")
    await expect(warning).to_be_visible()
    await expect(warning).to_contain_text("colleagues can't open them")
    await expect(warning).to_contain_text(LOCAL)
    # On the first screen, with the short link's copy button.
    await expect(warning).to_be_in_viewport()
    await expect(page.locator(".admonition.warning")).to_have_count(1)
    # A reader who scrolls to a review comment's copy button sees the line
    # above it, on the same screen, as the button is pressed.
    block = page.locator("#in-code-review ~ .language-text").first
    await block.hover()
    await expect(
        block.get_by_role("button", name="Copy to clipboard")
    ).to_be_in_viewport()
    reminder = page.locator("#in-code-review ~ p.pbp-local-links")
    await expect(reminder).to_have_count(1)
    await expect(reminder).to_contain_text(LOCAL)
    await expect(reminder).to_contain_text("colleagues can't open")
    await expect(reminder).to_be_in_viewport()
    await expect(warning).not_to_be_in_viewport()

    await page.goto(local_site_url + "checklist/")
    await expect(
        page.locator("#copy-as-a-task-list ~ .admonition.warning")
    ).to_be_visible()


async def test_the_print_page_of_a_local_build_warns_once_at_the_top(
    page: Page, local_site_url: str
) -> None:
    await page.goto(local_site_url + "print/")
    warnings = page.locator(".pbp-local-links")
    await expect(warnings).to_have_count(1)
    await expect(warnings).to_contain_text(LOCAL)
    await expect(warnings).to_be_in_viewport()
    # Before the first principle, not inside one.
    await expect(page.locator(".pbp-print-principle .pbp-local-links")).to_have_count(0)
    await expect(page.locator(".pbp-print-principle")).to_have_count(
        len(REGISTRY.principles)
    )


async def test_a_configured_published_address_is_what_a_local_build_copies(
    page: Page, published_site_url: str
) -> None:
    context = page.context
    await context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=published_site_url.rstrip("/")
    )
    await page.goto(published_site_url + PRINCIPLE.url)
    await expect(page.locator(".admonition.warning")).to_have_count(0)
    await page.get_by_role(
        "button", name=f"Copy the short link to {PRINCIPLE.id}"
    ).click()
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{PUBLISHED}{PRINCIPLE.short_url}"
    comment = await page.locator(
        "#in-code-review ~ .language-text"
    ).first.text_content()
    assert f"{PUBLISHED}{PRINCIPLE.short_url}" in (comment or "")
    assert LOCAL not in (comment or "")


# --- The print page -----------------------------------------------------------------------


async def test_no_navigation_entry_leads_to_the_print_page(
    page: Page, site_url: str
) -> None:
    """Sidebar, Previous/Next and every in-page link of the home page: only
    the print link goes there."""
    await page.goto(site_url)
    hrefs = await page.locator("a[href]").evaluate_all(
        "as => as.filter(a => new URL(a.href).pathname === '/print/')"
        ".map(a => a.textContent.trim())"
    )
    assert hrefs == ["Print all principles"]
    for path in ("start-here/", PRINCIPLE.url, "code-review/"):
        await page.goto(site_url + path)
        links = page.locator("a[href]")
        paths = await links.evaluate_all("as => as.map(a => new URL(a.href).pathname)")
        assert "/print/" not in paths, path
