"""axe-core finds no violation on the pages readers use most, in both colour schemes.

axe-core 4.14.1 is vendored under tests/browser/axe/ (MPL-2.0, licence
beside it) so this runs offline. Fixes live in docs/assets/ and overrides/;
no rule is disabled.
"""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from handbook.tools.axe import AXE_JS, Violation, set_scheme, violations_by_scheme

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


def _violations(
    by_scheme: dict[str, list[Violation]],
) -> dict[str, list[str]]:
    """The schemes with violations, each with its violations as text."""
    return {
        scheme: [str(v) for v in found] for scheme, found in by_scheme.items() if found
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


async def test_a_scheme_is_audited_once_its_colour_transitions_have_ended(
    page: Page, site_url: str
) -> None:
    """As on a machine too busy to run the transitions in time: slowed down
    twenty times, they last seconds, and no fixed wait would cover them."""
    await page.goto(site_url + PAGES["source"], wait_until="networkidle")
    devtools = await page.context.new_cdp_session(page)
    await devtools.send("Animation.enable")
    await devtools.send("Animation.setPlaybackRate", {"playbackRate": 0.05})

    await set_scheme(page, "slate")
    running = await page.evaluate(
        """() => document.getAnimations()
            .filter(animation => animation instanceof CSSTransition)
            .filter(animation => animation.playState === 'running').length"""
    )

    await devtools.send("Animation.setPlaybackRate", {"playbackRate": 1})
    await set_scheme(page, "default")
    assert running == 0


@pytest.mark.parametrize("name", PAGES)
async def test_page_has_no_axe_violations_in_either_scheme(
    page: Page, site_url: str, name: str
) -> None:
    await page.goto(site_url + PAGES[name], wait_until="networkidle")
    found = _violations(await violations_by_scheme(page))
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
    found = _violations(await violations_by_scheme(page))
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
    await phone.get_by_role("button", name="Navigation").click()
    section = phone.locator(".md-nav--primary .md-nav__title", has_text="Database")
    await expect(section).to_be_visible()
    found = _violations(await violations_by_scheme(phone, ".md-sidebar--primary"))
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
    # From the title's permalink, the first link of the content: the header
    # and search come before it. (Its "Skip to content" link would do, but
    # Material's instant navigation then sometimes renders the page again,
    # and the focus goes back to the page's start.)
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
    found = _violations(await violations_by_scheme(touch_phone))
    assert not found, found


# --- the navigation drawer and the keyboard ------------------------------------------

# Below Material's 1220 px breakpoint the navigation is a drawer: a phone,
# and a laptop window at half width or zoomed in.
DRAWER_WIDTHS = {"phone": 390, "half a laptop": 1000}
DESCRIBE_FOCUS = """() => {
  const e = document.activeElement;
  return `${e.tagName} "${(e.textContent || "").trim().slice(0, 30)}" ${e.className}`;
}"""
# Where the focus is: in the drawer, in the page's content.
WHERE_FOCUS_IS = """() => {
  const e = document.activeElement;
  return {
    drawer: e.closest(".md-sidebar--primary") !== null,
    content: e.closest(".md-content") !== null,
  };
}"""
# Whether the focused element can be seen: not hidden, and some of its box
# inside every ancestor that clips (Material squeezes the closed search box
# into a box of no size) and inside the window's width. A radio input of
# the colour-scheme toggle shows its focus on the label that follows it.
FOCUS_IN_SIGHT = """() => {
  let shown = document.activeElement;
  if (shown.matches("input.md-option")) shown = shown.nextElementSibling;
  const box = shown.getBoundingClientRect();
  let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
  for (let node = shown; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.visibility === "hidden" || style.display === "none") return false;
    if (node !== shown && style.overflow !== "visible") {
      const clip = node.getBoundingClientRect();
      left = Math.max(left, clip.left);
      top = Math.max(top, clip.top);
      right = Math.min(right, clip.right);
      bottom = Math.min(bottom, clip.bottom);
    }
  }
  return right > left && bottom > top && right > 0 && left < innerWidth;
}"""
MENU_BUTTON = ".md-header button.pbp-drawer-button"
DRAWER_OPEN = "() => document.getElementById('__drawer').checked"


@pytest.fixture
async def window(
    request: pytest.FixtureRequest, browser: Browser
) -> AsyncIterator[Page]:
    """A browser window as wide as the test's ``window`` parameter, in pixels."""
    context = await browser.new_context(
        viewport={"width": request.param, "height": 800}
    )
    yield await context.new_page()
    await context.close()


def _at_widths(widths: dict[str, int]) -> pytest.MarkDecorator:
    """Run a test once per window width, named by the widths' keys."""
    return pytest.mark.parametrize(
        "window", list(widths.values()), ids=list(widths), indirect=True
    )


@_at_widths(DRAWER_WIDTHS)
async def test_the_closed_drawer_takes_no_tab_stop(window: Page, site_url: str) -> None:
    """Forty presses of Tab from the top reach the page's own links, and
    never a link of the closed drawer, which is off screen."""
    await window.goto(site_url + LONG_CODE_PAGE, wait_until="networkidle")
    stops = []
    for _ in range(40):
        await window.keyboard.press("Tab")
        stops.append(await window.evaluate(WHERE_FOCUS_IS))
    assert [stop for stop in stops if stop["drawer"]] == []
    assert any(stop["content"] for stop in stops)


@_at_widths(DRAWER_WIDTHS)
async def test_the_keyboard_opens_the_drawer_and_escape_closes_it(
    window: Page, site_url: str
) -> None:
    await window.goto(site_url + LONG_CODE_PAGE, wait_until="networkidle")
    # The menu button comes right after "Skip to content".
    await window.keyboard.press("Tab")
    await window.keyboard.press("Tab")
    menu = window.locator(MENU_BUTTON)
    await expect(menu).to_be_focused()
    await expect(menu).to_have_attribute("aria-expanded", "false")

    await window.keyboard.press("Enter")

    assert await window.evaluate(DRAWER_OPEN)
    await expect(menu).to_have_attribute("aria-expanded", "true")
    first = window.locator(".md-sidebar--primary .md-nav__link[href]").first
    await expect(first).to_be_focused()
    await expect(first).to_be_in_viewport()
    await window.keyboard.press("Tab")
    assert (await window.evaluate(WHERE_FOCUS_IS))["drawer"]
    assert await window.evaluate(FOCUS_IN_SIGHT)

    await window.keyboard.press("Escape")

    assert not await window.evaluate(DRAWER_OPEN)
    await expect(menu).to_be_focused()


IN_CONTENT = "() => document.activeElement.closest('.md-content') !== null"
HEADER_WIDTHS = {**DRAWER_WIDTHS, "laptop": 1400}


@_at_widths(HEADER_WIDTHS)
async def test_every_tab_stop_before_the_page_is_in_sight(
    window: Page, site_url: str
) -> None:
    """Header, search and navigation: no stop the reader cannot see (the
    closed search box, the closed results pane, the closed drawer)."""
    await window.goto(site_url + LONG_CODE_PAGE, wait_until="networkidle")
    unseen = []
    # A laptop's sidebar lists every page before the content.
    for _ in range(200):
        await window.keyboard.press("Tab")
        if await window.evaluate(IN_CONTENT):
            break
        if not await window.evaluate(FOCUS_IN_SIGHT):
            unseen.append(await window.evaluate(DESCRIBE_FOCUS))
    else:
        pytest.fail("200 presses of Tab never reached the page's content")
    # The buttons that stand in for Material's labels show only where the
    # labels would.
    drawer = window.get_by_role("button", name="Navigation")
    search = window.get_by_role("button", name="Search", exact=True)
    shown = (await drawer.is_visible(), await search.is_visible())
    width = window.viewport_size["width"] if window.viewport_size else 0

    assert unseen == []
    assert shown == (width < 1220, width < 960)


async def test_the_keyboard_opens_search_on_a_phone(
    touch_phone: Page, site_url: str
) -> None:
    await touch_phone.goto(site_url + LONG_CODE_PAGE, wait_until="networkidle")
    search = touch_phone.get_by_role("button", name="Search", exact=True)
    for _ in range(10):
        await touch_phone.keyboard.press("Tab")
        if await search.evaluate("button => button === document.activeElement"):
            break
    else:
        pytest.fail("ten presses of Tab never reached the search button")

    await touch_phone.keyboard.press("Enter")

    box = touch_phone.locator(".md-search__input")
    await expect(box).to_be_focused()
    await expect(box).to_be_in_viewport()
    assert await touch_phone.evaluate(FOCUS_IN_SIGHT)
