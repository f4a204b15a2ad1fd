"""Short URLs land on the principle's page in a real browser."""

from playwright.sync_api import Page, expect

from handbook.docs_tree import DOCS_DIR
from handbook.registry import load_registry

REGISTRY = load_registry(DOCS_DIR)


def test_every_short_url_lands_on_its_principle(page: Page, site_url: str) -> None:
    for principle in REGISTRY.principles:
        page.goto(f"{site_url}id/{principle.id}/")
        expect(page).to_have_url(f"{site_url}{principle.url}")
        expect(page.locator("h1")).to_contain_text(principle.title)


def test_a_short_url_keeps_the_fragment(page: Page, site_url: str) -> None:
    principle = REGISTRY.principles[0]
    page.goto(f"{site_url}id/{principle.id}/#how-to-check")
    expect(page).to_have_url(f"{site_url}{principle.url}#how-to-check")
