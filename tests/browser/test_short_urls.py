"""Short URLs land on the principle's page in a real browser, in any case."""

from collections.abc import Callable

import pytest
from playwright.async_api import Page, expect

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry

REGISTRY = load_registry(DOCS_DIR)


@pytest.fixture
def page(module_page: Page) -> Page:
    """Every test starts by typing its URL: one page serves the module."""
    return module_page


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
    page: Page, site_url: str, spelling: Callable[[str], str]
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


@pytest.mark.parametrize(
    ("typed", "closest"),
    [
        ("API-ETAGS", "API-ETAG"),  # a letter too many
        ("api-etags", "API-ETAG"),  # and in lower case
        ("APIETAG", "API-ETAG"),  # the hyphen left out
        ("PREF-EAGER-LOAD", "PERF-EAGER-LOAD"),  # two letters swapped
        ("APP-ETAGS", "API-ETAG"),  # two edits: a letter wrong, one too many
        ("EAGER-LOAD", "PERF-EAGER-LOAD"),  # the area left out
    ],
)
async def test_a_misspelt_short_url_offers_the_closest_id(
    page: Page, site_url: str, typed: str, closest: str
) -> None:
    response = await page.goto(f"{site_url}id/{typed}/")
    assert response is not None
    await expect(page.locator("h1")).to_have_text("404 - Not found")
    await expect(page.locator(".pbp-typed-id")).to_have_text(typed.upper())
    suggestions = page.locator("ul.pbp-closest a")
    await expect(suggestions.first).to_have_text(closest)
    await suggestions.first.click()
    principle = REGISTRY.by_id(closest)
    await expect(page).to_have_url(f"{site_url}{principle.url}")


# Search results show an ID with non-breaking hyphens, so a copied ID has
# them; a word processor turns hyphens into dashes.
@pytest.mark.parametrize(
    "dash",
    ["\u2011", "\u2010", "\u2013", "\u2014", "\u2212"],
    ids=["non-breaking hyphen", "hyphen", "en dash", "em dash", "minus"],
)
async def test_a_short_url_with_dashes_for_hyphens_lands_on_its_principle(
    page: Page, site_url: str, dash: str
) -> None:
    principle = REGISTRY.by_id("PERF-EAGER-LOAD")
    await page.goto(f"{site_url}id/{principle.id.replace('-', dash)}/#how-to-check")
    await expect(page).to_have_url(f"{site_url}{principle.url}#how-to-check")
    await expect(page.locator("h1")).to_contain_text(principle.title)


async def test_a_misspelt_short_url_with_dashes_offers_the_closest_id(
    page: Page, site_url: str
) -> None:
    await page.goto(f"{site_url}id/API\u2011ETAGS/")
    await expect(page.locator(".pbp-typed-id")).to_have_text("API-ETAGS")
    await expect(page.locator("ul.pbp-closest a").first).to_have_text("API-ETAG")


async def test_a_short_url_close_to_no_id_says_so_and_offers_none(
    page: Page, site_url: str
) -> None:
    await page.goto(f"{site_url}id/WXYZ-QQQ/")
    await expect(page.locator(".pbp-did-you-mean")).to_contain_text(
        "No principle has the ID WXYZ-QQQ."
    )
    await expect(page.get_by_text("Did you mean:")).to_be_hidden()
    await expect(page.locator("ul.pbp-closest a")).to_have_count(0)


@pytest.mark.parametrize(
    ("path", "closest"),
    [
        ("principles/data/session/", "DB-SESSION"),  # area and a word of the slug
        ("principles/operations/health/", "OPS-HEALTH"),  # a word of the ID
        ("principles/data/sesion-per-request/", "DB-SESSION"),  # the slug misspelt
        ("principles/db-session/", "DB-SESSION"),  # the ID as a page
        ("id/OPS-HEALTH-CHECK/", "OPS-HEALTH"),  # an ID with a word more
        ("id/N+1/", "PERF-EAGER-LOAD"),  # a word of the short name, "+" and all
        ("id/IDOR/", "SEC-AUTHZ"),  # an alias
        ("principles/security/jwt/", "SEC-AUTHN"),  # the area and an alias
    ],
)
async def test_a_guessed_path_offers_the_principle_it_names(
    page: Page, site_url: str, path: str, closest: str
) -> None:
    await page.goto(site_url + path)
    await expect(page.locator("h1")).to_have_text("404 - Not found")
    await expect(page.get_by_text("Did you mean:")).to_be_visible()
    suggestions = page.locator("ul.pbp-closest a")
    await expect(suggestions.first).to_have_text(closest)
    await suggestions.first.click()
    await expect(page).to_have_url(f"{site_url}{REGISTRY.by_id(closest).url}")


async def test_a_guessed_page_path_offers_only_principles_of_its_words(
    page: Page, site_url: str
) -> None:
    """The area alone ("operations") is no reason to offer its other principles."""
    await page.goto(f"{site_url}principles/operations/health/")
    await expect(page.locator("ul.pbp-closest a")).to_have_text(["OPS-HEALTH"])
    # A page path is not a short URL: no "No principle has the ID" line.
    await expect(page.locator(".pbp-no-such-id")).to_be_hidden()


@pytest.mark.parametrize(
    "path", ["nothing-like-this/", "principles/nothing-like-this/", "principles/data/"]
)
async def test_a_path_naming_no_principle_offers_the_search_and_no_guess(
    page: Page, site_url: str, path: str
) -> None:
    await page.goto(site_url + path)
    await expect(page.locator("h1")).to_have_text("404 - Not found")
    # Wait for principles.json to be read before checking nothing was offered.
    await page.wait_for_load_state("networkidle")
    await expect(page.locator(".pbp-did-you-mean")).to_be_hidden()
    await expect(page.locator("ul.pbp-closest a")).to_have_count(0)
    # "Try the search" opens it, from the keyboard too.
    the_search = page.get_by_role("button", name="the search", exact=True)
    await the_search.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#__search")).to_be_checked()
    box = page.get_by_role("textbox", name="Search")
    await expect(box).to_be_visible()
    await expect(box).to_be_focused()


async def test_any_other_missing_page_offers_no_ids(page: Page, site_url: str) -> None:
    await page.goto(f"{site_url}no/such/page/")
    await expect(page.locator("h1")).to_have_text("404 - Not found")
    await expect(page.locator(".pbp-did-you-mean")).to_be_hidden()
    link = page.get_by_role("link", name="what this handbook does not cover")
    await link.click()
    await expect(page).to_have_url(f"{site_url}not-covered/")


@pytest.mark.parametrize("folder", ["id/", "principles/"])
async def test_the_folder_of_short_urls_or_of_pages_leads_to_the_id_list(
    page: Page, site_url: str, folder: str
) -> None:
    await page.goto(site_url + folder)
    await expect(page).to_have_url(f"{site_url}ids/")
    await expect(page.locator("h1")).to_contain_text("Principle IDs")
