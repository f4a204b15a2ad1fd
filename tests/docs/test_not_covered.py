"""The page of what the handbook leaves out says true things: no principle
covers those topics, the reference service has none of them, and each
points to an official reference."""

import ast
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.registry import load_registry

PAGE = DOCS_DIR / "not-covered.md"
REGISTRY = load_registry(DOCS_DIR)

# The words a principle (in its title, summary, tags or aliases) or the
# reference service's code would use if it covered the topic.
TOPIC_WORDS = {
    "Background jobs and task queues": [
        "celery",
        "task queue",
        "background job",
        "backgroundtasks",
    ],
    "GraphQL": ["graphql", "strawberry"],
    "Message queues and event streaming": [
        "kafka",
        "rabbitmq",
        "message queue",
        "event stream",
        "pub/sub",
    ],
    "Refresh tokens": ["refresh token", "refresh_token"],
    "WebSockets": ["websocket"],
    "Multi-tenancy": ["tenant", "row level security", "row-level security"],
    "Roles and permissions": ["permission", "role-based", "securityscopes"],
    "Request quotas for every endpoint": ["quota", "limit_req", "usage limit"],
    "Idempotency keys": ["idempoten"],
    "Full-text search": ["full-text", "full text", "tsvector"],
    "API versioning": ["versioning", "api version", "api_version", "/v1"],
    "Soft delete": ["soft delete", "soft-delete", "deleted_at", "is_deleted"],
    "Test data factories": ["factory_boy", "factory boy", "factoryboy", "model factor"],
    "Calls to other services over HTTP": [
        "tenacity",
        "respx",
        "circuit breaker",
        "mocktransport",
        "outbound http",
    ],
}
# Where "look instead" may point: the projects' and standards' own documentation.
OFFICIAL_HOSTS = {
    "fastapi.tiangolo.com",
    "docs.celeryq.dev",
    "kafka.apache.org",
    "www.rabbitmq.com",
    "datatracker.ietf.org",
    "www.postgresql.org",
    "nginx.org",
    "developer.mozilla.org",
    "docs.sqlalchemy.org",
    "google.aip.dev",
    "factoryboy.readthedocs.io",
    "www.python-httpx.org",
}
SERVICE_SOURCES = ("*.py", "*.sql", "*.toml", "*.yaml", "*.yml", "*.json")


def _topics() -> dict[str, str]:
    """Each listed topic (its bold name) and the text of its bullet."""
    text = PAGE.read_text(encoding="utf-8")
    items = re.findall(r"^- \*\*(.+?)\*\*(.*?)(?=^- |^\S|\Z)", text, re.M | re.S)
    return dict(items)


def test_the_page_lists_exactly_the_topics_the_tests_know() -> None:
    assert set(_topics()) == set(TOPIC_WORDS)


def test_no_principle_covers_a_topic_the_page_says_is_left_out() -> None:
    covered = {
        (topic, p.id, word)
        for p in REGISTRY.principles
        for text in [" ".join([p.title, p.summary, *p.tags, *p.aliases]).lower()]
        for topic, words in TOPIC_WORDS.items()
        for word in words
        if word in text
    }
    assert not covered, f"a principle covers a topic listed as left out: {covered}"


# Principle pages that name a topic left out without covering any of it.
MENTIONED_ONLY = {
    # "An export ... for one request belongs in a background job": advice to
    # move the work, with no job shown.
    ("Background jobs and task queues", "API-CURSOR-PAGINATION"),
    # "permission denied for schema shop_meta": a database role's grant, the
    # readiness probe's, not a user's role or permissions.
    ("Roles and permissions", "OPS-HEALTH"),
}


def test_a_page_touching_a_topic_left_out_is_named_in_its_bullet() -> None:
    # (topic, ID) for each principle page a topic's bullet links to.
    named = {
        (topic, p.id)
        for topic, text in _topics().items()
        for p in REGISTRY.principles
        if f"]({p.url.removesuffix('/')}.md)" in text
    }
    unnamed = {
        (topic, p.id, word)
        for p in REGISTRY.principles
        for text in [p.document.text.lower()]
        for topic, words in TOPIC_WORDS.items()
        for word in words
        if word in text and (topic, p.id) not in MENTIONED_ONLY | named
    }
    assert not unnamed, (
        f"{PAGE.name}: a principle page touches a topic listed as left out, and "
        f"the topic's bullet does not point to it: {sorted(unnamed)}"
    )
    assert not (MENTIONED_ONLY & named), (
        "a page named in its bullet is not mention-only"
    )


def test_the_reference_service_has_none_of_the_topics_left_out() -> None:
    found = {
        (topic, path.relative_to(REPO_ROOT).as_posix(), word)
        for pattern in SERVICE_SOURCES
        for path in (REPO_ROOT / "snippets").rglob(pattern)
        if ".venv" not in path.parts
        for text in [path.read_text(encoding="utf-8").lower()]
        for topic, words in TOPIC_WORDS.items()
        for word in words
        if word in text
    }
    assert not found, f"the service has a topic the page says it leaves out: {found}"


def test_each_topic_left_out_points_to_an_official_reference() -> None:
    for topic, text in _topics().items():
        urls = re.findall(r"\]\((https?://[^)\s]+)\)", text)
        assert urls, f"{topic}: no link to where to look instead"
        for url in urls:
            parts = urlsplit(url)
            assert parts.scheme == "https", (topic, url)
            assert parts.hostname in OFFICIAL_HOSTS, (topic, url)


def test_the_service_has_one_version_and_none_in_its_paths(
    service_openapi: dict[str, Any],
) -> None:
    versioned = [
        path for path in service_openapi["paths"] if re.search(r"/v\d+(/|$)", path)
    ]
    assert not versioned, f"a path names an API version: {versioned}"
    assert "The reference service has one version, and none in its paths." in (
        " ".join(PAGE.read_text(encoding="utf-8").split())
    )


# What a module would import to call another service over HTTP.
HTTP_CLIENTS = {
    "httpx",
    "requests",
    "aiohttp",
    "urllib3",
    "urllib.request",
    "http.client",
}


def _imported_modules(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_service_imports_no_http_client() -> None:
    """The service calls no other service: none of its modules imports a client."""
    clients = {
        (path.relative_to(REPO_ROOT).as_posix(), module)
        for path in (REPO_ROOT / "snippets" / "shop").rglob("*.py")
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        if module in HTTP_CLIENTS or module.split(".")[0] in HTTP_CLIENTS
    }
    assert not clients, f"the service imports an HTTP client: {sorted(clients)}"
    assert "The reference service calls no other service over HTTP." in (
        " ".join(PAGE.read_text(encoding="utf-8").split())
    )
