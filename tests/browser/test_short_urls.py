"""Short URLs land on the principle's page in a real browser."""

from playwright.async_api import Page, expect

from handbook.docs_tree import DOCS_DIR
from handbook.registry import load_registry

REGISTRY = load_registry(DOCS_DIR)


async def test_every_short_url_lands_on_its_principle(
    page: Page, site_url: str
) -> None:
    for principle in REGISTRY.principles:
        await page.goto(f"{site_url}id/{principle.id}/")
        await expect(page).to_have_url(f"{site_url}{principle.url}")
        await expect(page.locator("h1")).to_contain_text(principle.title)


async def test_a_short_url_keeps_the_fragment(page: Page, site_url: str) -> None:
    principle = REGISTRY.principles[0]
    await page.goto(f"{site_url}id/{principle.id}/#how-to-check")
    await expect(page).to_have_url(f"{site_url}{principle.url}#how-to-check")
