"""Short URLs land on the principle's page in a real browser, in any case."""

import pytest
from playwright.async_api import Page, expect

from handbook.docs_tree import DOCS_DIR
from handbook.registry import load_registry

REGISTRY = load_registry(DOCS_DIR)


async def test_short_urls_land_on_their_principles(page: Page, site_url: str) -> None:
    """A few in the browser; tests/docs/test_site.py follows every redirect file."""
    for principle in REGISTRY.principles[:3]:
        await page.goto(f"{site_url}id/{principle.id}/")
        await expect(page).to_have_url(f"{site_url}{principle.url}")
        await expect(page.locator("h1")).to_contain_text(principle.title)


@pytest.mark.parametrize(
    "spelling",
    [str.lower, lambda s: s.title(), lambda s: s[0] + s[1:].lower()],
    ids=["lower", "Title", "Mixed"],
)
async def test_a_short_url_lands_in_any_case(
    page: Page, site_url: str, spelling
) -> None:
    """Lower case has its own static redirect; any other mix goes via the 404 page."""
    principle = REGISTRY.by_id("PERF-EAGER-LOAD")
    await page.goto(f"{site_url}id/{spelling(principle.id)}/#how-to-check")
    await expect(page).to_have_url(f"{site_url}{principle.url}#how-to-check")
    await expect(page.locator("h1")).to_contain_text(principle.title)


async def test_a_short_url_keeps_the_fragment(page: Page, site_url: str) -> None:
    principle = REGISTRY.principles[0]
    await page.goto(f"{site_url}id/{principle.id}/#how-to-check")
    await expect(page).to_have_url(f"{site_url}{principle.url}#how-to-check")
