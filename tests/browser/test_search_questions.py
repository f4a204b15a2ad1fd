"""Search understands how readers ask: questions, typos, other word forms,
their own words for a topic, and topics the handbook leaves out.

Each query is typed into the real search box of the built site; its page
must be in the top three results, as the alias and habit tests require.
"""

from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry
from tests.browser.search_box import (
    RESULT_LINKS,
    not_in_top_three,
    not_ranked_first,
    open_search,
    pages_mentioning,
    search_each,
)

REGISTRY = load_registry(DOCS_DIR)
NOT_COVERED = "not-covered/"

# Questions in a new hire's words: "how", "do" and "I" used to match
# "however", "docstrings", "imports" and "id" and push the topic down.
QUESTIONS = {
    "how do I paginate a list endpoint": "API-CURSOR-PAGINATION",
    "how do I hash passwords": "SEC-PASSWORDS",  # pragma: allowlist secret
    "how should I change the database schema": "DB-MIGRATIONS",
    "where do I put business logic": "STRUCT-SERVICE-LAYER",
    "how do I avoid N+1 queries": "PERF-EAGER-LOAD",
    "what status code should a create return": "API-REST",
    "how do I run tests against a real database": "TEST-REAL-DB",
    "how do I log in JSON": "OPS-JSON-LOGS",
    "how do I configure CORS": "SEC-CORS",
    "should I use sqlite in tests": "TEST-REAL-DB",
    "how do I keep secrets out of git": "SEC-SECRETS",
    "what goes in the README": "DOC-README",
    "how do I shut down gracefully": "OPS-GRACEFUL-SHUTDOWN",
    "how do I add a dependency": "UV-ONLY",
    "how big should the connection pool be": "DB-POOL",
    "can I call requests in an async route": "ASYNC-NO-BLOCKING",
    "how do I validate user input": "SEC-INPUT",
    "how do I limit upload size": "SEC-BODY-LIMIT",
    "when should I use asyncio gather": "ASYNC-GATHER",
    "how do I trace a request across services": "OPS-TRACING",
    "how do I check that a user owns an order": "SEC-AUTHZ",
    "how do I set up a new project": "QUICK-START",
    "do I need type hints everywhere": "DOC-TYPE-HINTS",
    "is it ok to use global state": "STRUCT-DEPENDS",
    "where do pydantic models go": "API-SCHEMAS",
    "should I mock the database in tests": "TEST-REAL-DB",
    "when do I commit the transaction": "DB-SESSION",
    # A newcomer's questions from the review of 2026-12-06, not yet first.
    "how do I roll back a migration": "DB-MIGRATIONS",
    "secrets in env": "SEC-SECRETS",
    "how do I cache a slow endpoint": "PERF-REDIS-CACHE",
    "my query is slow": "DB-INDEXES",
    "commit or rollback": "DB-SESSION",
    "how do I test an endpoint": "TEST-FUNCTIONAL",
}

# One letter wrong, missing, added or swapped: the word matched nothing.
TYPOS = {
    "paginaton": "API-CURSOR-PAGINATION",
    "pasword hashing": "SEC-PASSWORDS",
    "migratoins": "DB-MIGRATIONS",
    "dockerfle": "DEPLOY-DOCKERFILE",
    "graceful shutdwn": "OPS-GRACEFUL-SHUTDOWN",
    "corelation id": "OPS-REQUEST-ID",
    "pydantc": "STACK-PYDANTIC",
    "prometeus": "OPS-METRICS",
    "savepiont": "TEST-ROLLBACK",
    "docstirngs": "DOC-DOCSTRINGS",
    "test organization": "TEST-ORGANISATION",
}

# Another form of a word in the page's title, tags or text.
WORD_FORMS = {
    "paginated results": "API-CURSOR-PAGINATION",
    "paginating": "API-CURSOR-PAGINATION",
    "hashed passwords": "SEC-PASSWORDS",  # pragma: allowlist secret
    "memoized": "PERF-MEMOIZE",
    "memoising": "PERF-MEMOIZE",
    "blocked event loop": "ASYNC-NO-BLOCKING",
    "rolling back a transaction": "TEST-ROLLBACK",
    "indexed columns": "DB-INDEXES",
    "revoked tokens": "SEC-AUTHN",
    "grouping tests by domain": "TEST-ORGANISATION",
    "chaining pages": "API-CURSOR-PAGINATION",
    "validating settings": "CONFIG-TYPED",
    "migrating the schema": "DB-MIGRATIONS",
}

# What readers call a topic when they do not know the page's words.
READERS_WORDS = {
    "sign in": "SEC-AUTHN",
    "env vars": "CONFIG-TYPED",
    "linting": "RUFF-CONFIG",
    "lazy loading": "PERF-EAGER-LOAD",
    "circular dependency": "STRUCT-NO-CYCLES",
    "password storage": "SEC-PASSWORDS",
    "dependency injection": "STRUCT-DEPENDS",
    "health check endpoint": "OPS-HEALTH",
    "rate limiting": "SEC-BRUTE-FORCE",
    "too many login attempts": "SEC-BRUTE-FORCE",
    "orm_mode": "API-SCHEMAS",
    "mock the database": "TEST-REAL-DB",
    "transaction commit": "DB-SESSION",
    # A newcomer's: "api" matched the API pages' IDs, which ranked first.
    "my api is slow": "PERF-EAGER-LOAD",
}

# A Django or Flask developer's words for a topic (a newcomer's review of
# 2026-12-07): each found nothing, and the empty result pointed to the page
# on what the handbook leaves out.
FROM_OTHER_FRAMEWORKS = {
    "select_related": "PERF-EAGER-LOAD",
    "prefetch_related": "PERF-EAGER-LOAD",
    "makemigrations": "DB-MIGRATIONS",
    "serializer": "API-SCHEMAS",
    "get_object_or_404": "API-ERROR-BODY",
    "abort(404)": "API-ERROR-BODY",
    "login_required": "SEC-AUTHN",
    "request.user": "STRUCT-DEPENDS",
    "virtualenv": "UV-ONLY",
    "runserver": "QUICK-START",
    "flask blueprint": "STRUCT-DOMAINS",
    "ATOMIC_REQUESTS": "DB-SESSION",
}

# A Java (Spring) or Node developer's words for a topic (a newcomer's
# review of 2026-12-07): each found nothing, or only a fuzzy match such as
# "rest" for "jest" or "control" for "controller".
FROM_OTHER_STACKS = {
    "@Transactional": "DB-SESSION",
    "Flyway": "DB-MIGRATIONS",
    "Liquibase": "DB-MIGRATIONS",
    "HikariCP": "DB-POOL",
    "actuator health": "OPS-HEALTH",
    "eslint": "RUFF-CONFIG",
    "prettier": "RUFF-CONFIG",
    "jest": "TEST-FUNCTIONAL",
    "supertest": "TEST-FUNCTIONAL",
    "MockMvc": "TEST-FUNCTIONAL",
    "@SpringBootTest": "TEST-FUNCTIONAL",
    "nodemon": "QUICK-START",
    "controller": "STRUCT-SERVICE-LAYER",
    "@RestController": "STRUCT-SERVICE-LAYER",
    "JPA entity": "DB-MODELS",
    "Hibernate": "DB-MODELS",
    "Promise.all": "ASYNC-GATHER",
    "CompletableFuture": "ASYNC-GATHER",
    "@Cacheable": "PERF-REDIS-CACHE",
    "Pageable": "API-CURSOR-PAGINATION",
    "PreparedStatement": "DB-BOUND-PARAMS",
    "@DataJpaTest": "TEST-REAL-DB",
    "@MockBean": "STRUCT-DEPENDS",
    "Javadoc": "DOC-DOCSTRINGS",
    "JSDoc": "DOC-DOCSTRINGS",
    "npm scripts": "TASK-COMMANDS",
    "@Valid request body": "STACK-PYDANTIC",
}

# A Go developer's words for a topic (a newcomer's review of 2026-12-07):
# most found nothing; "goroutine" ranked the memoize page first, "go mod
# tidy" the ETag page, "tx.Commit" the quick start ("tx" matched "txt").
FROM_GO = {
    "goroutine": "ASYNC-GATHER",
    "errgroup": "ASYNC-GATHER",
    "sync.WaitGroup": "ASYNC-GATHER",
    "context.Context": "OPS-REQUEST-ID",
    "gin": "STRUCT-DOMAINS",
    "chi router": "STRUCT-DOMAINS",
    "gorm": "DB-MODELS",
    "tx.Commit": "DB-SESSION",
    "go mod tidy": "UV-ONLY",
    "go.sum": "UV-ONLY",
    "golangci-lint": "RUFF-CONFIG",
    "gofmt": "RUFF-CONFIG",
    "goimports": "RUFF-CONFIG",
    "go vet": "RUFF-CONFIG",
    "go test": "TEST-FUNCTIONAL",
    "table-driven tests": "TEST-FUNCTIONAL",
    "testify": "TEST-FUNCTIONAL",
    "httptest": "TEST-FUNCTIONAL",
    "sqlmock": "TEST-REAL-DB",
    "dockertest": "TEST-REAL-DB",
    "golang-migrate": "DB-MIGRATIONS",
    "goose": "DB-MIGRATIONS",
    "viper": "CONFIG-TYPED",
    "envconfig": "CONFIG-TYPED",
    "zap": "OPS-JSON-LOGS",
    "zerolog": "OPS-JSON-LOGS",
    "logrus": "OPS-JSON-LOGS",
    "slog": "OPS-JSON-LOGS",
    "swaggo": "DOC-OPENAPI",
    "signal.NotifyContext": "OPS-GRACEFUL-SHUTDOWN",
    "Makefile": "TASK-COMMANDS",
}

# A new hire's first searches, typed as they come, whose first result must
# answer them: a reader on a phone opens the first result and reads no
# further. "business logic" ranked DOC-DOCSTRINGS first, on its tag
# "business-logic" and alias "document business logic", two matches of each
# word to the service layer's one.
FIRST_ANSWERS = {
    "business logic": "STRUCT-SERVICE-LAYER",
    "where should business logic go": "STRUCT-SERVICE-LAYER",
    "pagination": "API-CURSOR-PAGINATION",
    "how to store passwords": "SEC-PASSWORDS",  # pragma: allowlist secret
    "n+1 query": "PERF-EAGER-LOAD",
    "logging json": "OPS-JSON-LOGS",
    "docker image size": "DEPLOY-DOCKERFILE",
    "secrets in git": "SEC-SECRETS",
    # Every query word is a prefix: "def" matched "default", "body" matched
    # "body_timeout", as strongly as the words themselves.
    "should I use sync def in fastapi": "STACK-ASYNC-ROUTES",
    "sync def fastapi": "STACK-ASYNC-ROUTES",
    "validate request body": "STACK-PYDANTIC",
    # The host of every page's short link was indexed: built for
    # https://handbook.test/, every principle held the word "test".
    "how do I run tests against postgres": "TEST-REAL-DB",
    # A principle's rule was indexed as text only: "Transaction Isolation
    # Pattern", a section title of the design document, ranked first.
    "transaction": "TEST-ROLLBACK",
    # The service's routers call services, which call repositories; "pattern"
    # alone ranked SEC-INPUT first, for its alias "JSON Schema pattern".
    "repository pattern": "STRUCT-SERVICE-LAYER",
    # DB-SESSION says an AsyncSession "is a unit of work", in its text; "unit"
    # also began the tag "unittest.TestCase", weighed a million times more.
    "unit of work": "DB-SESSION",
    # The rest of that review's questions, first already: kept there.
    "async db session per request": "DB-SESSION",
    "how to paginate": "API-CURSOR-PAGINATION",
    "test database isolation": "TEST-ROLLBACK",
    "password hashing": "SEC-PASSWORDS",  # pragma: allowlist secret
    "rate limit login": "SEC-BRUTE-FORCE",
    "how do I return an error": "API-ERROR-BODY",
    "cors error in the browser": "SEC-CORS",
    "read config from environment variables": "CONFIG-TYPED",
    "sql injection": "DB-BOUND-PARAMS",
    "how should I structure my project": "STRUCT-DOMAINS",
    "jwt authentication": "SEC-AUTHN",
    "kubernetes readiness probe": "OPS-HEALTH",
    "users can see other users orders": "SEC-AUTHZ",
    "format code": "RUFF-CONFIG",
    "sqlalchemy session": "DB-SESSION",
    "run blocking code in async": "ASYNC-NO-BLOCKING",
    "database connection limit": "DB-POOL",
    "log every request": "OPS-JSON-LOGS",
    # Ranked the Alembic-to-Atlas page first, a detour for a Django developer.
    "migrations": "DB-MIGRATIONS",
    # Ranked the pre-commit page first, on the "commit" of its name.
    "commit transaction": "DB-SESSION",
}

# Topics the handbook leaves out: the page that says where to look instead.
LEFT_OUT = [
    "graphql",
    "celery",
    "background jobs",
    "kafka",
    "websockets",
    "multi-tenancy",
    "refresh token",
    "api quota",
    "permissions",
    "idempotency key",
    # A reviewer's searches: "soft" matched nothing and "boy" matched "body",
    # so each ranked an unrelated principle first.
    "soft delete",
    "factory boy",
    # "versioning" matched no page, yet the API pages ranked on "api".
    "api versioning",
    # A newcomer's: the redis-cache and health pages ranked on "timeout".
    "timeout for http calls",
    "tenacity",
    # A newcomer's: the not-covered page has the answer, and came tenth.
    "mock external api in tests",
    # A newcomer from Java's: resilience4j's circuit breakers found nothing.
    "circuit breaker",
]


async def _not_in_top_three(page: Page, expected: dict[str, str]) -> str:
    """What went wrong, or "" when every query has its page in the top three."""
    wrong = await not_in_top_three(page, expected)
    if not wrong:
        return ""
    return (
        f"{len(wrong)} of {len(expected)} queries do not have their page in the "
        f"top three (top three shown): {wrong}"
    )


def _urls(queries: dict[str, str]) -> dict[str, str]:
    return {query: REGISTRY.by_id(pid).url for query, pid in queries.items()}


async def test_a_question_in_a_new_hires_words_finds_its_page(
    search_page: Page,
) -> None:
    problem = await _not_in_top_three(search_page, _urls(QUESTIONS))
    assert not problem, problem


async def test_a_word_one_letter_off_finds_its_page(search_page: Page) -> None:
    problem = await _not_in_top_three(search_page, _urls(TYPOS))
    assert not problem, problem


async def test_another_form_of_a_word_finds_its_page(search_page: Page) -> None:
    problem = await _not_in_top_three(search_page, _urls(WORD_FORMS))
    assert not problem, problem


async def test_a_readers_own_words_for_a_topic_find_its_page(search_page: Page) -> None:
    problem = await _not_in_top_three(search_page, _urls(READERS_WORDS))
    assert not problem, problem


async def test_a_word_from_django_or_flask_finds_its_page(search_page: Page) -> None:
    problem = await _not_in_top_three(search_page, _urls(FROM_OTHER_FRAMEWORKS))
    assert not problem, problem


async def test_a_word_from_spring_or_node_finds_its_page(search_page: Page) -> None:
    problem = await _not_in_top_three(search_page, _urls(FROM_OTHER_STACKS))
    assert not problem, problem


async def test_a_word_from_go_finds_its_page(search_page: Page) -> None:
    problem = await _not_in_top_three(search_page, _urls(FROM_GO))
    assert not problem, problem


async def test_an_annotation_typed_without_its_at_sign_ranks_its_page_first(
    search_page: Page,
) -> None:
    """Typed without its "@", "Transactional" found the pages that say
    "transaction", not the one whose alias is @Transactional: the index
    keeps "@" inside a word."""
    expected = {
        alias.removeprefix("@").split()[0]: principle.url
        for principle in REGISTRY.principles
        for alias in principle.aliases
        if alias.startswith("@")
    }
    assert "Transactional" in expected, expected
    wrong = await not_ranked_first(search_page, expected)
    assert not wrong, f"not ranked first (top three shown): {wrong}"


async def test_a_new_hires_first_searches_rank_their_answer_first(
    search_page: Page,
) -> None:
    wrong = await not_ranked_first(search_page, _urls(FIRST_ANSWERS))
    assert not wrong, f"first result is not the answer (top three shown): {wrong}"


async def test_a_topic_the_handbook_leaves_out_finds_the_page_that_says_so(
    search_page: Page,
) -> None:
    expected = dict.fromkeys(LEFT_OUT, NOT_COVERED)
    problem = await _not_in_top_three(search_page, expected)
    assert not problem, problem


async def test_the_page_on_citing_principles_answers_a_search_for_code_review(
    search_page: Page,
) -> None:
    # A newcomer's: every principle has an "In code review" section, and
    # the page on citing them was not among the first ten.
    expected = dict.fromkeys(
        ["code review", "review comment", "cite a principle"], "code-review/"
    )
    problem = await _not_in_top_three(search_page, expected)
    assert not problem, problem


async def test_the_words_of_a_question_match_nothing_on_their_own(
    search_page: Page, built_site: Path
) -> None:
    # "what", "is" and "an" are stop words: only "ETag" is searched for.
    expected = pages_mentioning(built_site, "etag")
    found = (await search_each(search_page, ["what is an ETag"]))["what is an ETag"]
    unrelated = set(found) - expected
    assert found
    assert not unrelated, f"found pages without ETag: {sorted(unrelated)}"


async def test_a_search_that_finds_nothing_offers_what_the_handbook_leaves_out(
    page: Page, site_url: str
) -> None:
    await open_search(page, site_url)
    box = page.get_by_role("textbox", name="Search")
    await box.fill("zxqvjw")
    await box.press("End")
    await expect(page.locator(".md-search-result__meta")).to_have_text(
        "No matching documents"
    )
    await expect(page.locator(RESULT_LINKS)).to_have_count(0)
    link = page.get_by_role("link", name="what this handbook does not cover")
    await expect(link).to_be_visible()
    await link.click()
    await expect(page).to_have_url(site_url + NOT_COVERED)
    # Results again: the pointer is for empty results only.
    await open_search(page, site_url)
    await box.fill("ETag")
    await box.press("End")
    await expect(page.locator(RESULT_LINKS).first).to_be_visible()
    await expect(link).to_be_hidden()


async def test_the_keyboard_reaches_the_pointer_when_a_search_finds_nothing(
    page: Page, site_url: str
) -> None:
    """Tab closes Material's search and its arrow keys move among results
    only: Down from the box must reach the pointer, Up return, Enter open it."""
    await open_search(page, site_url)
    box = page.get_by_role("textbox", name="Search")
    await box.fill("zxqvjw")
    await box.press("End")
    link = page.get_by_role("link", name="what this handbook does not cover")
    await expect(link).to_be_visible()

    await page.keyboard.press("ArrowDown")
    await expect(link).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await expect(box).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(site_url + NOT_COVERED)


async def _errors_of(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


async def _type_into_search_from(page: Page, url: str, query: str) -> None:
    """Open ``url``, press the `/` shortcut, and type ``query`` as a reader does."""
    await page.goto(url, wait_until="networkidle")
    await page.keyboard.press("/")
    await expect(page.get_by_role("textbox", name="Search")).to_be_focused()
    await page.keyboard.type(query)


async def test_pressing_enter_in_the_search_box_opens_the_first_result(
    page: Page, site_url: str
) -> None:
    # Enter is a phone keyboard's Go key: it used to throw in Material's key
    # handler and submit the form, reloading the page with ?query=pool.
    errors = await _errors_of(page)
    await _type_into_search_from(page, site_url + "start-here/", "pool")
    first = page.locator(RESULT_LINKS).first
    await expect(first).to_be_visible(timeout=10_000)
    first_url = await first.evaluate("a => a.href")

    await page.keyboard.press("Enter")

    await expect(page).to_have_url(first_url)
    pool_page = "/" + REGISTRY.by_id("DB-POOL").url
    assert urlsplit(first_url).path == pool_page, f"first result: {first_url}"
    assert not errors, errors


async def test_pressing_enter_on_a_search_that_finds_nothing_stays_on_the_page(
    page: Page, site_url: str
) -> None:
    errors = await _errors_of(page)
    await _type_into_search_from(page, site_url + "start-here/", "zxqvjw")
    pointer = page.get_by_role("link", name="what this handbook does not cover")
    await expect(pointer).to_be_visible(timeout=10_000)

    await page.keyboard.press("Enter")

    # Still the search the reader typed, and its offer, on the same page.
    await expect(page).to_have_url(site_url + "start-here/")
    await expect(page.get_by_role("textbox", name="Search")).to_have_value("zxqvjw")
    await expect(pointer).to_be_visible()
    assert not errors, errors
