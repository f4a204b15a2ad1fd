"""A real Chromium against the built site, served on 127.0.0.1."""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from handbook.tools.static_server import serve
from tests.browser.search_box import clear_search, open_search

# Chromium's headless shell, Debian's build of it: the browser Playwright
# itself runs headless Chromium on, the same Blink and V8 as `chromium`,
# without the desktop browser's windows and services around each page. A page
# loaded in a fresh context costs a third of the CPU it costs in `chromium
# --headless` (0.3 s against 0.9 s on this machine), for the same rendering.
HEADLESS_SHELL = "chromium-headless-shell"
# Without these, Chromium phones home at start-up; this machine's closed
# network refuses those connections, many at a time.
QUIET_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str:
    if path := shutil.which(HEADLESS_SHELL):
        return path
    pytest.fail(
        f"no {HEADLESS_SHELL} found for the browser tests: install it with "
        f"`apt-get install {HEADLESS_SHELL}` (`task prerequisites` does; "
        "Playwright cannot download browsers here)",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site, served gzip-compressed with its 404 page, like a static host."""
    with serve(built_site) as url:
        yield url


# The async API, on the test session's event loop: Playwright's sync API runs
# a loop of its own, which then blocks every async test that follows.
@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=_chromium(), args=QUIET_FLAGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A 390 px wide phone screen (iPhone 12-15 size)."""
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True
    )
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def touch_phone(browser: Browser) -> AsyncIterator[Page]:
    """The same phone with its touch screen: no pointer that can hover.

    ``phone`` matches ``(hover)``, as a laptop does, so Material treats it
    as one: it makes a code block wider than the screen focusable there,
    and not on a real phone.
    """
    context = await browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def clipboard_page(browser: Browser, site_url: str) -> AsyncIterator[Page]:
    """A page allowed to write and read the clipboard, as after a user's click."""
    context = await browser.new_context()
    await context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/")
    )
    page = await context.new_page()
    yield page
    await context.close()


# Search needs its index fetched and built in the search worker (~0.7 s of
# CPU) before the first answer. A module's ranking tests ask their queries in
# one page, as a reader asks one query after another: each query is typed
# into an emptied box and waits for its own answer (search_box.py), so what
# one test asked never shows in another's results. Tests about loading the
# page or the index itself load their own page.
#
# Material's worker logs "Invalid query: <query>" and shows no result when
# lunr fails on a query; each test that used the page fails if one did.
SEARCH_FAILED = "Invalid query"


@pytest.fixture(scope="module")
async def _module_search_page(
    browser: Browser, site_url: str
) -> AsyncIterator[tuple[Page, list[str]]]:
    context = await browser.new_context()
    page = await context.new_page()
    failed: list[str] = []
    page.on(
        "console",
        lambda message: (
            failed.append(message.text)
            if message.text.startswith(SEARCH_FAILED)
            else None
        ),
    )
    await open_search(page, site_url)
    yield page, failed
    await context.close()


@pytest.fixture
async def search_page(
    _module_search_page: tuple[Page, list[str]], site_url: str
) -> AsyncIterator[Page]:
    """The home page with search open, shared by the module's ranking tests;
    the box is empty and no result is shown."""
    page, failed = _module_search_page
    assert page.url == site_url, f"a search test left the home page for {page.url}"
    await clear_search(page)
    before = len(failed)
    yield page
    if failed[before:]:
        pytest.fail(f"search failed inside lunr: {failed[before:]}", pytrace=False)


@pytest.fixture(scope="module")
async def module_page(browser: Browser) -> AsyncIterator[Page]:
    """One page for a module whose tests each begin by loading what they check.

    A new context costs a new renderer process and compiling every script
    again (axe-core's 650 KB, per test); navigating the same page does not.
    Only for tests that neither change the context (storage, permissions)
    nor depend on arriving without history.
    """
    context = await browser.new_context()
    page = await context.new_page()
    yield page
    await context.close()
