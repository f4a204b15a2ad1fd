"""Site search finds the code terms engineers actually type."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, expect

CODE_TERMS = ["expire_on_commit", "N+1", "join_transaction_mode", "SecretStr"]
# What people type when they arrive with a habit, a tool or an error message
# from elsewhere, and the principle page that answers it.
SEARCHED_WORDS = {
    "Alembic": "principles/data/atlas-for-alembic-users/",
    "requirements.txt": "principles/tooling/quick-start/",
    "poetry": "principles/tooling/quick-start/",
    "unittest.TestCase": "principles/testing/functional-tests/",
    "docker-compose": "principles/testing/real-postgresql/",
    "time.sleep": "principles/async/no-blocking-calls/",
    "MissingGreenlet": "principles/data/session-per-request/",
    "attached to a different loop": "principles/testing/test-rollback/",
    "partially initialized module": "principles/structure/no-circular-imports/",
    "Depends": "principles/structure/dependency-injection/",
    "EmailStr": "principles/stack/pydantic-validation/",
    "selectinload": "principles/performance/eager-loading/",
}


def _pages_mentioning(built_site: Path, term: str) -> set[str]:
    index = json.loads((built_site / "search" / "search_index.json").read_text())
    return {
        doc["location"].split("#")[0]
        for doc in index["docs"]
        if term.lower() in doc["text"].lower() + doc["title"].lower()
    }


@pytest.mark.parametrize("term", CODE_TERMS)
async def test_searching_a_code_term_finds_a_page_that_mentions_it(
    page: Page, site_url: str, built_site: Path, term: str
) -> None:
    expected = _pages_mentioning(built_site, term)
    assert expected, f"no page mentions {term!r}: the search test has nothing to find"

    await page.goto(site_url, wait_until="networkidle")  # the search index is loaded
    await page.get_by_role("textbox", name="Search").press_sequentially(term, delay=50)
    first_result = page.locator(".md-search-result__item a").first
    await expect(first_result).to_be_visible(timeout=10_000)

    hrefs = await page.locator(".md-search-result__item a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    found = [urlsplit(href).path.removeprefix("/") for href in hrefs]
    # Every result mentions the term: it was matched whole, not as fragments
    # such as "n" and "1" that match every page.
    unrelated = set(found) - expected
    assert not unrelated, (
        f"searching {term!r} also found pages without it: {sorted(unrelated)}"
    )


@pytest.fixture(scope="module")
async def search_box(browser: Browser, site_url: str) -> AsyncIterator[Page]:
    """One loaded home page for every term: the search index loads once."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(site_url, wait_until="networkidle")
    yield page
    await context.close()


@pytest.mark.parametrize(("term", "answer"), SEARCHED_WORDS.items())
async def test_searching_a_habit_tool_or_error_finds_the_principle_that_answers_it(
    search_box: Page, built_site: Path, term: str, answer: str
) -> None:
    assert answer in _pages_mentioning(built_site, term), (
        f"{answer} does not mention {term!r}: add it to the page's tags"
    )
    box = search_box.get_by_role("textbox", name="Search")
    await box.fill("")
    await box.press_sequentially(term, delay=20)
    answer_link = search_box.locator(f'.md-search-result__item a[href*="{answer}"]')

    await expect(answer_link.first).to_be_visible(timeout=10_000)
