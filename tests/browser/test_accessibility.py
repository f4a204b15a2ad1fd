"""axe-core finds no violation on the pages readers use most, in both colour schemes.

axe-core 4.14.1 is vendored under tests/browser/axe/ (MPL-2.0, licence
beside it) so this runs offline. Fixes live in docs/assets/ and overrides/;
no rule is disabled.
"""

import pytest
from playwright.async_api import Page, expect

from handbook.tools.axe import AXE_JS, SCHEMES, axe_violations, set_scheme

PAGES = {
    "home": "",
    "principle": "principles/performance/eager-loading/",
    "checklist": "checklist/",
    "source": "source/",
    # Inline SVG charts and wide tables, generated from the results file.
    "benchmarks": "benchmarks/",
    # Collapsible corrections and lists of verdicts.
    "corrections": "corrections/",
    "not covered": "not-covered/",
    # The 404 page of a misspelt short URL, with its closest IDs.
    "misspelt ID": "id/API-ETAGS/",
}


@pytest.fixture
def page(module_page: Page) -> Page:
    """Every test loads the page it audits: one page serves the module."""
    return module_page


def test_axe_core_is_vendored() -> None:
    assert AXE_JS.is_file(), (
        f"{AXE_JS} is missing: copy axe.min.js from the npm package axe-core "
        "(npm install --prefix .tools axe-core) with its LICENSE"
    )


@pytest.mark.parametrize("name", PAGES)
async def test_page_has_no_axe_violations_in_either_scheme(
    page: Page, site_url: str, name: str
) -> None:
    await page.goto(site_url + PAGES[name], wait_until="networkidle")
    found = {}
    for scheme in SCHEMES:
        await set_scheme(page, scheme)
        if violations := await axe_violations(page):
            found[scheme] = [str(v) for v in violations]
    assert not found, found


@pytest.mark.parametrize(
    "query",
    # "pagination": two pages' "Do" sections among the results.
    ["how do I use an etag", "pagination", "zxqvjw"],
    ids=["results", "sections of the same name", "no results"],
)
async def test_the_search_dialog_has_no_axe_violations_in_either_scheme(
    page: Page, site_url: str, query: str
) -> None:
    await page.goto(site_url, wait_until="networkidle")
    box = page.get_by_role("textbox", name="Search")
    await box.click()
    await box.fill(query)
    await box.press("End")
    answered = page.locator(".md-search-result__item").first.or_(
        page.get_by_role("link", name="what this handbook does not cover")
    )
    await expect(answered).to_be_visible()
    found = {}
    for scheme in SCHEMES:
        await set_scheme(page, scheme)
        if violations := await axe_violations(page):
            found[scheme] = [str(v) for v in violations]
    assert not found, found


async def test_the_phone_navigation_drawer_has_no_axe_violations_in_either_scheme(
    phone: Page, site_url: str
) -> None:
    # On a phone the drawer opens on the page's own section, headed by its
    # name ("Database and migrations") in Material's 54 % grey on a 7 % shade:
    # 4.41:1. The drawer alone is audited here; the page under it is
    # audited on a touch screen below.
    await phone.goto(
        site_url + "principles/data/session-per-request/", wait_until="networkidle"
    )
    await phone.locator(".md-header label[for='__drawer']").click()
    section = phone.locator(".md-nav--primary .md-nav__title", has_text="Database")
    await expect(section).to_be_visible()
    found = {}
    for scheme in SCHEMES:
        await set_scheme(phone, scheme)
        if violations := await axe_violations(phone, ".md-sidebar--primary"):
            found[scheme] = [str(v) for v in violations]
    assert not found, found


# Its code blocks are 630 to 744 px wide on a 390 px phone; the first one
# Tab reaches, the lead's Don't, comes after a few links of the page's text.
LONG_CODE_PAGE = "principles/data/session-per-request/"
# The page's own links above the first block.
TABS_TO_A_BLOCK = 20
FOCUSED_CODE = "() => document.activeElement.matches('pre > code')"


async def test_a_code_block_wider_than_a_phone_scrolls_from_the_keyboard(
    touch_phone: Page, site_url: str
) -> None:
    # Material makes such a block focusable only where a pointer can hover,
    # and removes the attribute on a touch screen.
    await touch_phone.goto(site_url + LONG_CODE_PAGE, wait_until="networkidle")
    # From the title's permalink, the first link of the content: the closed
    # drawer's eighty links come before it. (Its "Skip to content" link
    # would do, but Material's instant navigation then sometimes renders
    # the page again, and the focus goes back to the page's start.)
    await touch_phone.locator(".md-content a.headerlink").first.focus()
    for _ in range(TABS_TO_A_BLOCK):
        await touch_phone.keyboard.press("Tab")
        if await touch_phone.evaluate(FOCUSED_CODE):
            break
    else:
        pytest.fail(f"{TABS_TO_A_BLOCK} presses of Tab reached no code block")
    block = await touch_phone.evaluate_handle("() => document.activeElement")
    wide, shown = await block.evaluate("code => [code.scrollWidth, code.clientWidth]")
    assert wide > shown, f"the block reached fits the phone ({wide} <= {shown} px)"
    # This Chromium (156) lets Tab reach a scrolling element on its own;
    # Safari, every iPhone's browser, needs the tabindex, as axe does.
    tabindex = await block.evaluate("code => code.getAttribute('tabindex')")
    assert tabindex == "0", f"the block has tabindex={tabindex!r}"
    style, width = await block.evaluate(
        "code => [getComputedStyle(code).outlineStyle, getComputedStyle(code).outlineWidth]"
    )
    assert style != "none", f"no visible focus: outline-style {style}"
    assert width != "0px", "no visible focus: outline-width 0px"

    await touch_phone.keyboard.press("ArrowRight")
    await touch_phone.wait_for_function("code => code.scrollLeft > 0", arg=block)


async def test_a_page_with_code_wider_than_a_phone_has_no_axe_violations(
    touch_phone: Page, site_url: str
) -> None:
    await touch_phone.goto(site_url + LONG_CODE_PAGE, wait_until="networkidle")
    # Material sets each block up when it first scrolls into view.
    await touch_phone.mouse.wheel(0, 20_000)
    found = {}
    for scheme in SCHEMES:
        await set_scheme(touch_phone, scheme)
        if violations := await axe_violations(touch_phone):
            found[scheme] = [str(v) for v in violations]
    assert not found, found
