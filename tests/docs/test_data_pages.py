"""Specification: the data pages and the links readers share, as built.

Short links preview as their principle; copied links warn when only this
machine can open them, or use the published address; the ID list names a
status only where it is not active; the checklist's copy block is one link
away; the print page is reached only as the page to print.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from mkdocs.config import load_config

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.registry import load_registry
from handbook.site import print_page
from handbook.site.build import Build
from handbook.site.listing_pages import checklist, id_index
from handbook.site.local_links import (
    is_local,
    local_links_reminder,
    local_links_warning,
)
from handbook.site.principle_page import principle_header, review_section
from handbook.site.short_link_redirects import link_preview

REGISTRY = load_registry(DOCS_DIR)
SITE_NAME = "Python Backend Principles"


class _Head(HTMLParser):
    """The <meta> tags and links of a page, as a link previewer reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "meta" and (key := found.get("property") or found.get("name")):
            self.meta[key] = found.get("content", "")
        if tag == "a" and "href" in found:
            self._href, self._text = found["href"], []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def _parse(path: Path) -> _Head:
    parser = _Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# --- Link previews -------------------------------------------------------------------------


def test_every_short_link_previews_as_its_principles_id_title_and_rule(
    built_site: Path,
) -> None:
    for principle in REGISTRY.principles:
        for spelling in (principle.id, principle.id.lower()):
            meta = _parse(built_site / "id" / spelling / "index.html").meta
            title = f"{principle.id}: {principle.title}"
            assert meta["og:title"] == title, spelling
            assert meta["og:description"] == principle.summary, spelling
            assert meta["description"] == principle.summary, spelling
            assert meta["og:url"] == f"https://handbook.test/{principle.url}", spelling
            assert meta["og:type"] == "article"
            assert meta["og:site_name"] == SITE_NAME
            assert meta["twitter:card"] == "summary"


def test_a_principle_page_carries_the_same_description_and_open_graph_tags(
    built_site: Path,
) -> None:
    principle = REGISTRY.by_id("API-ETAG")
    meta = _parse(built_site / principle.url / "index.html").meta
    assert meta["description"] == meta["og:description"] == principle.summary
    assert meta["og:title"] == principle.title
    assert meta["og:url"] == f"https://handbook.test/{principle.url}"
    assert meta["twitter:card"] == "summary"


def _retire_and_merge(docs: Path) -> tuple[str, str, str]:
    """Merge the first principle into the second, retire the third: their IDs."""
    merged, survivor, retired = REGISTRY.principles[:3]
    lock = docs / "_data" / "ids.lock.yml"
    text = lock.read_text()
    text = text.replace(
        f"{merged.id}: {{status: active}}",
        f"{merged.id}: {{status: merged-into, target: {survivor.id}}}",
    ).replace(
        f"{retired.id}: {{status: active}}",
        f'{retired.id}: {{status: retired, reason: "Folded into the checklist."}}',
    )
    lock.write_text(text)
    (docs / merged.path).unlink()
    (docs / retired.path).unlink()
    return merged.id, survivor.id, retired.id


def test_a_merged_or_retired_short_link_previews_what_became_of_it(
    docs_copy: Path,
) -> None:
    merged, survivor_id, retired = _retire_and_merge(docs_copy)
    registry = load_registry(docs_copy)
    survivor = registry.by_id(survivor_id)

    moved = link_preview(registry, merged, SITE_NAME)
    gone = link_preview(registry, retired, SITE_NAME)

    assert moved.title == f"{merged}, merged into {survivor.id}: {survivor.title}"
    assert moved.description == survivor.summary
    assert gone.title == f"{retired} (retired)"
    assert gone.description == "Folded into the checklist."


# --- Principle IDs -----------------------------------------------------------------------


def test_the_id_list_names_a_status_only_where_it_is_not_active(
    docs_copy: Path,
) -> None:
    merged, survivor, retired = _retire_and_merge(docs_copy)
    page = id_index(load_registry(docs_copy))
    rows = {
        line.split("`")[1]: line for line in page.splitlines() if line.startswith("| <")
    }

    assert "Status" not in page
    assert f"**Merged into `{survivor}`:**" in rows[merged]
    assert "**Retired:** Folded into the checklist." in rows[retired]
    active = [row for key, row in rows.items() if key not in (merged, retired)]
    assert active
    assert not any(re.search(r"active|Merged|Retired", row) for row in active)


# --- The checklist ----------------------------------------------------------------------


def test_the_checklist_links_its_copy_block_from_the_top(built_site: Path) -> None:
    html = (built_site / "checklist" / "index.html").read_text()
    jump = html.index('href="#copy-as-a-task-list"')
    # Before the first area's list, i.e. on the first screen.
    assert jump < html.index('class="pbp-checklist"')
    assert 'id="copy-as-a-task-list"' in html


# --- Links copied from a local build ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/", True),
        ("http://localhost:8000/handbook/", True),
        ("http://[::1]:8000/", True),
        ("http://0.0.0.0:8000/", True),
        ("http://docs.localhost/", True),
        ("https://handbook.test/", False),
        ("https://python-backend-principles.github.io/handbook/", False),
        ("https://127.example.com/", False),
    ],
)
def test_only_addresses_of_this_machine_count_as_local(url: str, local: bool) -> None:
    assert is_local(url) is local


def test_a_local_link_base_puts_a_warning_beside_each_copy_button() -> None:
    principle = REGISTRY.by_id("API-ETAG")
    local = "http://127.0.0.1:8000/"
    full = '!!! warning pbp-local-links "Local links"'

    assert "colleagues can't open them" in local_links_warning(local)
    assert local_links_warning("https://handbook.test/") == ""
    # The page's one full warning is in the rule, beside the short link.
    header = principle_header(REGISTRY, principle, local)
    assert header.count(full) == 1
    assert header.index("Short link:") < header.index(full)
    # The review comments, further down, get one line, before their blocks.
    section = review_section(principle, local)
    assert full not in section
    reminder = local_links_reminder(local)
    assert local in reminder
    assert "colleagues can't open" in reminder
    assert section.index(reminder) < section.index("```text")
    assert "Local links" not in review_section(principle, "https://handbook.test/")
    page = checklist(REGISTRY, local)
    assert page.index(full) < page.index("```markdown")


def test_the_rules_short_link_opens_wherever_a_local_build_is_served() -> None:
    # Shown whole for copying; followed, relative when the build is local,
    # as the ID badge is: served on another port, 127.0.0.1:8000 is nothing.
    principle = REGISTRY.by_id("API-ETAG")
    local = principle_header(REGISTRY, principle, "http://127.0.0.1:8000/")
    published = principle_header(REGISTRY, principle, "https://handbook.test/")

    assert 'Short link: <a href="../../../id/API-ETAG/">http://127.0.0.1:8000/id/' in (
        local
    )
    assert "](https://handbook.test/id/API-ETAG/)" in published


def test_the_print_page_warns_once_instead_of_once_per_principle() -> None:
    local = "http://127.0.0.1:8000/"
    page = print_page.markdown(REGISTRY, local)
    assert page.count("Local links") == 1
    assert page.index("Local links") < page.index(print_page.PLACEHOLDER)
    assert "Local links" not in print_page.markdown(REGISTRY, "https://handbook.test/")
    rendered = (
        '<h1>ETag</h1><div class="admonition rule"><p>Rule</p>'
        '<div class="admonition warning pbp-local-links"><p class="admonition-title">'
        "Local links</p>\n<p>The links you copy here...</p>\n</div>\n</div>"
        '<h2 id="in-code-review">In code review</h2>'
        '<p class="pbp-local-links" data-search-exclude=""><strong>Local links:</strong>'
        " what you copy here...</p>\n<pre>comment</pre>"
    )
    assert print_page.without_warnings(rendered) == (
        '<h1>ETag</h1><div class="admonition rule"><p>Rule</p></div>'
        '<h2 id="in-code-review">In code review</h2><pre>comment</pre>'
    )


def _start(docs_dir: Path, site_url: str, published: str | None) -> Build:
    config = load_config(
        str(REPO_ROOT / "mkdocs.yml"), docs_dir=str(docs_dir), site_url=site_url
    )
    config.extra["published_url"] = published
    return Build.start(config)


def test_a_published_address_is_what_readers_copy_even_from_a_local_build() -> None:
    """``mkdocs serve`` sets site_url to 127.0.0.1; extra.published_url wins."""
    build = _start(DOCS_DIR, "http://127.0.0.1:8000/", "https://handbook.example/")

    assert build.site.link_url == "https://handbook.example/"
    listing = build.generated["checklist.md"]
    assert "](https://handbook.example/id/" in listing
    assert "127.0.0.1" not in listing
    assert "Local links" not in listing


def test_without_a_published_address_a_local_build_copies_local_links() -> None:
    build = _start(DOCS_DIR, "http://127.0.0.1:8000/", "")

    assert build.site.link_url == "http://127.0.0.1:8000/"
    listing = build.generated["checklist.md"]
    assert "](http://127.0.0.1:8000/id/" in listing
    assert '!!! warning pbp-local-links "Local links"' in listing


# --- The print page ---------------------------------------------------------------------


def test_only_a_print_link_leads_to_the_all_in_one_page(built_site: Path) -> None:
    """No navigation entry, Previous/Next link or reading link: the home page's
    print link is the only way there."""
    leading_there = []
    for page in built_site.rglob("*.html"):
        if page.parent.name == "print" or page.parent.parent.name == "id":
            continue
        url = "https://handbook.test/" + page.relative_to(built_site).as_posix()
        for href, text in _parse(page).links:
            if urlsplit(urljoin(url, href)).path == "/print/":
                leading_there.append((page.relative_to(built_site).as_posix(), text))

    assert leading_there == [("index.html", "Print all principles")]


def test_the_print_page_is_kept_out_of_search_and_search_engines(
    built_site: Path,
) -> None:
    meta = _parse(built_site / "print" / "index.html").meta
    assert meta["robots"] == "noindex"
    home = _parse(built_site / "index.html").meta
    assert "robots" not in home
    index = (built_site / "search" / "search_index.json").read_text()
    assert '"location":"print/' not in index.replace(" ", "")
