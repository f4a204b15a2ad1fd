"""The site's search box, driven the way a reader uses it."""

import json
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Page, expect

RESULT_LINKS = ".md-search-result__item > .md-search-result__link"


def pages_mentioning(built_site: Path, term: str) -> set[str]:
    """The pages whose indexed title, text or tags contain ``term``, any case.

    Tags count: search matches a page's tags (their weight is the highest),
    and a term a page names only in a code block, which the index leaves
    out, is one of its tags if readers search for it (SecretStr).
    """
    index = json.loads((built_site / "search" / "search_index.json").read_text())
    return {
        doc["location"].split("#")[0]
        for doc in index["docs"]
        if term.lower()
        in " ".join([doc["text"], doc["title"], *doc.get("tags", [])]).lower()
    }


async def open_search(page: Page, site_url: str) -> None:
    await page.goto(site_url, wait_until="networkidle")
    await page.get_by_role("textbox", name="Search").click()


async def clear_search(page: Page) -> None:
    """Empty the search box and wait until no result is shown."""
    box = page.get_by_role("textbox", name="Search")
    # Material searches on key-up: fill, then release a key that types nothing.
    await box.fill("")
    await box.press("End")
    await expect(page.locator(RESULT_LINKS)).to_have_count(0)


async def search(page: Page, query: str) -> list[str]:
    """The result pages for ``query``, best first, as site-relative paths."""
    await clear_search(page)
    box = page.get_by_role("textbox", name="Search")
    await box.fill(query)
    await box.press("End")
    await expect(page.locator(RESULT_LINKS).first).to_be_visible(timeout=10_000)
    hrefs = await page.locator(RESULT_LINKS).evaluate_all(
        "links => links.map(a => a.href)"
    )
    return [urlsplit(href).path.removeprefix("/") for href in hrefs]


# The same steps as search(), typed into the same search box, but run inside
# the page for a whole list of queries: one round trip instead of four per
# query, for the tests that ask hundreds of them. A query that finds nothing
# gets an empty list.
SEARCH_EACH = """async (queries) => {
  const box = document.querySelector('input[data-md-component="search-query"]');
  const result = document.querySelector('.md-search-result');
  const list = result.querySelector('.md-search-result__list');
  const meta = result.querySelector('.md-search-result__meta');
  const config = JSON.parse(document.getElementById('__config').textContent);
  const none = config.translations['search.result.none'];
  const links = () => [...list.querySelectorAll(':scope > li > a.md-search-result__link')]
    .map(a => a.href);
  const nothing = () => meta.textContent.trim() === none;
  const until = (done, query) => new Promise((resolve, reject) => {
    if (done()) return resolve();
    const watcher = new MutationObserver(() => {
      if (done()) { clearTimeout(timer); watcher.disconnect(); resolve(); }
    });
    const timer = setTimeout(() => {
      watcher.disconnect();
      reject(new Error(`no answer for ${JSON.stringify(query)} within 10 s`));
    }, 10000);
    watcher.observe(result, {childList: true, subtree: true, characterData: true});
  });
  const type = (text) => {
    box.value = text;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    box.dispatchEvent(new KeyboardEvent('keyup', {key: 'End', bubbles: true}));
  };
  const found = {};
  const ask = async (query) => {
    type('');
    await until(() => links().length === 0 && !nothing(), '');
    type(query);
    // Results, or Material's "No matching documents": both are an answer.
    await until(() => links().length > 0 || nothing(), query);
  };
  for (const query of queries) {
    await ask(query);
    // The worker answers queries in turn, so "nothing" may be a late answer
    // to an earlier one. Ask once more from an empty box: a query that truly
    // finds nothing gets "No matching documents" again.
    if (nothing()) await ask(query);
    found[query] = links();
  }
  return found;
}"""


async def search_each(page: Page, queries: list[str]) -> dict[str, list[str]]:
    """The result pages for each query, best first, as site-relative paths."""
    found = await page.evaluate(SEARCH_EACH, queries)
    return {
        query: [urlsplit(href).path.removeprefix("/") for href in hrefs]
        for query, hrefs in found.items()
    }


async def not_ranked_first(
    page: Page, expected: dict[str, str]
) -> dict[str, list[str]]:
    """The queries whose page (``expected``, query to URL) is not the first
    result, each with the top three it got instead."""
    results = await search_each(page, list(expected))
    return {
        query: results[query][:3]
        for query, url in expected.items()
        if results[query][:1] != [url]
    }


async def not_in_top_three(
    page: Page, expected: dict[str, str]
) -> dict[str, list[str]]:
    """The queries whose page (``expected``, query to URL) is not among the
    first three results, each with the top three it got instead."""
    results = await search_each(page, list(expected))
    return {
        query: results[query][:3]
        for query, url in expected.items()
        if url not in results[query][:3]
    }
