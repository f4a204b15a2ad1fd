"""Site search finds the code terms engineers type, and ranks principles first."""

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from mkdocs.config import load_config
from playwright.async_api import Page, expect

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.registry import load_registry
from tests.browser.search_box import (
    not_in_top_three,
    not_ranked_first,
    pages_mentioning,
    search,
    search_each,
)

# "UP006", a ruff rule: lunr's own token set of this site's index lost it
# (search-worker.js has the why), so it found nothing.
CODE_TERMS = ["expire_on_commit", "N+1", "join_transaction_mode", "SecretStr", "UP006"]
REGISTRY = load_registry(DOCS_DIR)


@pytest.mark.parametrize("term", CODE_TERMS)
async def test_searching_a_code_term_finds_a_page_that_mentions_it(
    page: Page, site_url: str, built_site: Path, term: str
) -> None:
    expected = pages_mentioning(built_site, term)
    assert expected, f"no page mentions {term!r}: the search test has nothing to find"

    await page.goto(site_url, wait_until="networkidle")
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


async def test_searching_an_id_ranks_its_principle_first(search_page: Page) -> None:
    expected = {
        query: principle.url
        for principle in REGISTRY.principles
        for query in (principle.id, principle.id.lower())
    }
    wrong = await not_ranked_first(search_page, expected)
    assert not wrong, f"not ranked first (top three shown): {wrong}"


async def test_typing_the_start_of_an_id_ranks_its_principle_first(
    search_page: Page,
) -> None:
    """While the reader types an ID ("db-migrat"), its page leads already."""
    ids = [principle.id for principle in REGISTRY.principles]
    expected = {}
    for principle in REGISTRY.principles:
        start = principle.id[:-2].lower()
        # Only a start that no other ID shares names one page.
        if [i for i in ids if i.lower().startswith(start)] == [principle.id]:
            expected[start] = principle.url
    assert len(expected) > len(ids) // 2

    wrong = await not_ranked_first(search_page, expected)
    assert not wrong, f"not ranked first (top three shown): {wrong}"


@functools.cache
def _separator() -> str:
    config = load_config(str(REPO_ROOT / "mkdocs.yml"))
    search = config.plugins.get("material/search") or config.plugins["search"]
    separator: str = search.config["separator"]
    return separator


def _tokens(term: str) -> set[str]:
    """The words search splits a term into (mkdocs.yml's separator)."""
    return {t.lower() for t in re.split(_separator(), term) if t}


def _is_shared(alias: str, owner: str) -> bool:
    """Every word of the alias is also in another principle's tags or aliases
    (``flake8`` is in TEST-FUNCTIONAL's tag ``flake8-pytest-style``)."""
    words = _tokens(alias)
    return any(
        words <= set().union(*(_tokens(t) for t in (*p.tags, *p.aliases)))
        for p in REGISTRY.principles
        if p.id != owner
    )


async def test_searching_an_alias_ranks_its_principle_first(search_page: Page) -> None:
    """An alias only one principle claims ranks it first; a shared one, in the top 3."""
    aliases = [(alias, p) for p in REGISTRY.principles for alias in p.aliases]
    results = await search_each(search_page, list({alias for alias, _ in aliases}))
    wrong = {}
    for alias, principle in aliases:
        top = 3 if _is_shared(alias, principle.id) else 1
        if principle.url not in results[alias][:top]:
            wrong[f"{alias} ({principle.id})"] = results[alias][:3]
    assert not wrong, f"aliases not ranked where expected (top three shown): {wrong}"


async def test_results_show_page_and_heading_not_code_blocks(search_page: Page) -> None:
    page = search_page
    # A term that lives in code blocks on several pages: the index leaves
    # code blocks out (handbook/site/build.py), so no teaser holds one.
    await search(page, "selectinload")
    results = page.locator(".md-search-result")
    assert await results.locator(".md-search-result__item").count() > 1
    assert await results.locator("pre").count() == 0
    first = page.locator(".md-search-result__item").first
    await expect(first.locator("h1")).to_be_visible()  # the page's title
    box = await first.bounding_box()
    assert box is not None
    assert box["height"] < 400, f"the first result is {box} tall: a teaser is too long"


async def test_results_show_no_tag_that_is_an_id_without_its_hyphens(
    search_page: Page,
) -> None:
    """The ID as one word ("opshealth") is indexed for matching, not shown."""
    page = search_page
    ids = {principle.id for principle in REGISTRY.principles}
    joined_ids = {principle_id.replace("-", "").lower() for principle_id in ids}
    chips = {}
    for query in ["DEPLOY-ENV-PARITY", "opshealth", "api cursor pagination", "health"]:
        await search(page, query)
        shown = page.locator(".md-search-result .md-tag >> visible=true")
        chips[query] = {text.strip() for text in await shown.all_inner_texts()}
    # Results do show tags, the ID among them: the test sees the chips.
    assert all(shown & ids for shown in chips.values()), chips
    leaked = {query: shown & joined_ids for query, shown in chips.items()}
    assert not any(leaked.values()), f"joined IDs shown as tags: {leaked}"


# For each tag with a matched word, the gaps between its pieces of text in
# px: the text before the <mark>, the mark, the text after ("DB-", "POOL").
GAPS_INSIDE_TAGS = """() => [...document.querySelectorAll('.md-search-result .md-tag')]
  .filter(tag => tag.querySelector('mark') && tag.offsetParent !== null)
  .map(tag => {
    const boxes = [...tag.childNodes].map(node => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return range.getBoundingClientRect();
    }).filter(box => box.width > 0);
    const gaps = boxes.slice(1).map((box, i) => box.left - boxes[i].right);
    return [tag.textContent, Math.max(...gaps)];
  })"""


async def test_a_matched_word_in_a_tag_is_shown_without_a_gap(
    search_page: Page,
) -> None:
    # Material lays a tag out as a flex box with a gap between its items, so
    # a highlighted word in it stood apart from the rest: "DB- POOL".
    await search(search_page, "connection pool")
    gaps = dict(await search_page.evaluate(GAPS_INSIDE_TAGS))
    assert {"DB-POOL", "connection-pool"} <= set(gaps), gaps
    assert {tag: gap for tag, gap in gaps.items() if gap > 0.5} == {}


# What people type when they arrive with a habit, a tool or an error message
# from elsewhere, and the principle page that answers it.
SEARCHED_WORDS = {
    "Alembic": "principles/data/atlas-for-alembic-users/",
    "requirements.txt": "principles/tooling/quick-start/",
    "poetry": "principles/tooling/quick-start/",
    "unittest.TestCase": "principles/testing/functional-tests/",
    "docker-compose": "principles/deployment/environment-parity/",
    "time.sleep": "principles/async/no-blocking-calls/",
    "MissingGreenlet": "principles/data/session-per-request/",
    "attached to a different loop": "principles/testing/test-rollback/",
    "partially initialized module": "principles/structure/no-circular-imports/",
    "Depends": "principles/structure/dependency-injection/",
    "EmailStr": "principles/stack/pydantic-validation/",
    "selectinload": "principles/performance/eager-loading/",
    "testcontainers": "principles/testing/real-postgresql/",
    "opentelemetry": "principles/operations/tracing/",
    "prometheus": "principles/operations/metrics/",
    "Dockerfile": "principles/deployment/dockerfile/",
    "redis": "principles/performance/redis-cache/",
}


async def test_searching_a_habit_tool_or_error_ranks_its_principle_in_the_top_three(
    search_page: Page, built_site: Path
) -> None:
    for term, answer in SEARCHED_WORDS.items():
        assert answer in pages_mentioning(built_site, term), (
            f"{answer} does not mention {term!r}: add it to the page's tags"
        )
    wrong = await not_in_top_three(search_page, SEARCHED_WORDS)
    assert not wrong, f"not in the top three (top three shown): {wrong}"


# Error names a page shows only in a code block (a test's output, a
# traceback): the index leaves code blocks out but keeps these names, as
# readers paste the error they got (handbook/site/build.py).
ERRORS_IN_CODE_BLOCKS = {
    "CancelledError": "principles/async/gather/",
    "IntegrityError": "principles/structure/service-layer/",
    "PoolTimeoutError": "principles/operations/health-check/",
}


async def test_an_error_name_shown_only_in_a_code_block_finds_its_page(
    search_page: Page, built_site: Path
) -> None:
    for name, answer in ERRORS_IN_CODE_BLOCKS.items():
        assert answer not in pages_mentioning(built_site, name), (
            f"{answer} names {name} outside its code blocks: the test needs another"
        )
    wrong = await not_in_top_three(search_page, ERRORS_IN_CODE_BLOCKS)
    assert not wrong, f"not in the top three (top three shown): {wrong}"


# A topic typed as two words or joined into one: its page ranks first, not
# the pages with the joined word as an ordinary tag (Docker's HEALTHCHECK).
# The search worker boosts a query's words joined only where they spell an ID.
APART_OR_JOINED = {
    "health check": "OPS-HEALTH",
    "healthcheck": "OPS-HEALTH",
}


async def test_a_topic_typed_apart_or_joined_ranks_its_principle_first(
    search_page: Page,
) -> None:
    expected = {
        query: REGISTRY.by_id(pid).url for query, pid in APART_OR_JOINED.items()
    }
    wrong = await not_ranked_first(search_page, expected)
    assert not wrong, f"not ranked first (top three shown): {wrong}"


# The site's search worker, set up with documents of the test's own, answers
# a query with the locations of its results, best first.
ASK_THE_WORKER = """async ({docs, query}) => {
  const config = JSON.parse(document.getElementById('__config').textContent);
  const index = await (await fetch(new URL('search/search_index.json', new URL(config.base + '/', location.href)))).json();
  const worker = new Worker(config.search);
  const answer = (message) => new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(message);
  });
  await answer({type: 0, data: {config: index.config, docs, options: {suggest: false}}});
  const found = await answer({type: 2, data: query});
  worker.terminate();
  return found.data.items.map((sections) => sections[0].location);
}"""


async def test_joined_query_words_are_boosted_only_where_they_spell_an_id(
    page: Page, site_url: str
) -> None:
    # Two pages as build.py indexes principles: the ID, the ID as one word,
    # then the tags. One has the ordinary tag "healthcheck", the two words
    # of the query joined; the other is about health checks.
    docs = [
        {
            "location": "docker/",
            "title": "DEPLOY-IMAGE · Container image",
            "text": "The image's HEALTHCHECK calls the app.",
            "tags": ["DEPLOY-IMAGE", "deployimage", "docker", "healthcheck"],
        },
        {
            "location": "probes/",
            "title": "OPS-PROBES · Liveness and readiness",
            "text": "Readiness checks the database.",
            "tags": ["OPS-PROBES", "opsprobes", "health-check", "readiness"],
        },
    ]
    await page.goto(site_url, wait_until="networkidle")
    found = await page.evaluate(ASK_THE_WORKER, {"docs": docs, "query": "health check"})
    assert found == ["probes/", "docker/"]


# lunr matches a query's words against the index's token set, an automaton
# built from the index's words; the words it matches are then looked up in
# the index. A word the set lacks can never be found, and a word only the
# set has makes lunr throw on every query that reaches it.
KEEP_THE_INDEX_SEARCHED = """() => {
  const query = lunr.Index.prototype.query;
  lunr.Index.prototype.query = function (build) {
    self.searchedIndex = this;
    return query.call(this, build);
  };
}"""
WORDS_OUT_OF_STEP = """() => {
  const index = self.searchedIndex;
  const words = Object.keys(index.invertedIndex);
  const inIndex = new Set(words);
  const inSet = new Set(index.tokenSet.toArray());
  return {
    count: words.length,
    missing: words.filter((word) => !inSet.has(word)),
    extra: [...inSet].filter((word) => !inIndex.has(word)),
  };
}"""


async def test_the_token_set_holds_every_word_of_the_index_and_no_other(
    page: Page, site_url: str
) -> None:
    async with page.expect_worker() as started:
        await page.goto(site_url, wait_until="networkidle")
    worker = await started.value
    await worker.evaluate(KEEP_THE_INDEX_SEARCHED)
    box = page.get_by_role("textbox", name="Search")
    await box.click()
    await box.fill("database")
    await box.press("End")
    await expect(page.locator(".md-search-result__item").first).to_be_visible(
        timeout=10_000
    )

    words = await worker.evaluate(WORDS_OUT_OF_STEP)
    assert words["count"] > 1000, f"the index has {words['count']} words"
    assert (words["missing"], words["extra"]) == ([], []), words


# --- The index loads when the reader reaches for search ---------------------------------

INDEX_PATH = "/search/search_index.json"


def _paths_requested(screen: Page) -> list[str]:
    """The paths ``screen`` requests from now on, as they are requested."""
    requested: list[str] = []
    screen.on("request", lambda request: requested.append(urlsplit(request.url).path))
    return requested


async def test_a_page_loads_without_the_search_index_until_the_reader_opens_search(
    page: Page, phone: Page, site_url: str
) -> None:
    principle = REGISTRY.by_id("PERF-EAGER-LOAD")
    # On a desktop the box is in the header; a phone opens it with a button.
    for screen, open_box in (
        (page, page.get_by_role("textbox", name="Search")),
        (phone, phone.get_by_role("button", name="Search", exact=True)),
    ):
        requested = _paths_requested(screen)
        await screen.goto(site_url + "checklist/", wait_until="networkidle")
        # 165 KiB compressed (2026-12-06), 3.8 s on a slow phone: not for reading.
        assert INDEX_PATH not in requested, screen.viewport_size
        await open_box.click()
        results = await search(screen, "eager loading")
        assert INDEX_PATH in requested
        assert results[0] == principle.url, screen.viewport_size


async def test_a_shared_search_link_searches_without_a_click(
    page: Page, site_url: str
) -> None:
    # search.share copies such a link: ?q= opens search with the query typed.
    await page.goto(site_url + "?q=eager+loading")
    first = page.locator(".md-search-result__item > .md-search-result__link").first
    await expect(first).to_be_visible(timeout=10_000)
    assert urlsplit(await first.get_attribute("href") or "").path.endswith(
        REGISTRY.by_id("PERF-EAGER-LOAD").url
    )


async def test_a_link_from_a_search_result_highlights_the_words_on_a_fresh_load(
    page: Page, site_url: str
) -> None:
    # A result links to its page with ?h=: opened in a new tab, nothing of
    # search is on screen, and the highlight still needs the index.
    principle = REGISTRY.by_id("PERF-EAGER-LOAD")
    await page.goto(site_url + principle.url + "?h=selectinload")
    highlighted = page.locator(".md-content mark[data-md-highlight]").first
    await expect(highlighted).to_have_text(
        re.compile("selectinload", re.I), timeout=10_000
    )
