"""The built site: strict build, generated pages, short URLs, no third-party requests."""

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.config import load_config

from handbook.anatomy import RENDERED_ORDER
from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.registry import load_registry

SITE_URL = "https://handbook.test/"
REGISTRY = load_registry(DOCS_DIR)


@pytest.fixture(scope="module")
def principles_json(built_site: Path) -> dict:
    return json.loads((built_site / "principles.json").read_text())


def _page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text()


def test_principles_json_lists_every_principle_with_working_urls(
    principles_json: dict, built_site: Path
) -> None:
    listed = {p["id"]: p for p in principles_json["principles"]}
    assert set(listed) == {p.id for p in REGISTRY.principles}
    for entry in listed.values():
        assert set(entry) >= {"id", "title", "summary", "level", "area", "tags", "url"}
        assert entry["url"].startswith(SITE_URL)
        assert (
            built_site / entry["url"].removeprefix(SITE_URL) / "index.html"
        ).is_file(), entry["url"]


def test_every_published_id_has_a_short_url_landing_on_its_page(
    built_site: Path,
) -> None:
    for entry in REGISTRY.lock:
        redirect = built_site / "id" / entry.id / "index.html"
        html = redirect.read_text()
        target = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', html)[1]
        landing = (redirect.parent / target).resolve()
        assert (landing / "index.html").is_file() or landing.with_suffix(
            ""
        ).parent.is_dir(), f"{entry.id} -> {target}"


def test_principle_pages_render_the_anatomy_in_order(built_site: Path) -> None:
    for principle in REGISTRY.principles:
        html = _page(built_site, principle.url)
        headings = re.findall(r'<h2 id="[^"]*">(.*?)<a class="headerlink"', html)
        assert [
            h.replace("&rsquo;", "'").replace("&#39;", "'") for h in headings
        ] == list(RENDERED_ORDER), principle.id
        assert principle.summary.split()[0] in html
        assert f"{SITE_URL}id/{principle.id}/" in html, (
            "review comment carries the short link"
        )


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_checklist_lists_every_principle_as_a_task(built_site: Path) -> None:
    text = _text(_page(built_site, "checklist"))
    for principle in REGISTRY.principles:
        assert f"- [ ] [{principle.id}]({SITE_URL}id/{principle.id}/)" in text


def test_reading_order_page_follows_the_registry(built_site: Path) -> None:
    html = _page(built_site, "start-here")
    positions = [html.index(f"<code>{p.id}</code>") for p in REGISTRY.reading_order()]
    assert positions == sorted(positions)


def test_the_changes_page_lists_every_principle_under_its_date(
    built_site: Path,
) -> None:
    text = _text(_page(built_site, "changes"))
    for principle in REGISTRY.principles:
        section = text.split(principle.since.isoformat(), 1)[1]
        assert principle.id in section


def test_the_api_reference_is_rendered(built_site: Path) -> None:
    assert (built_site / "reference" / "shop" / "index.html").is_file()


class _ResourceCollector(HTMLParser):
    """Collects every URL the browser would fetch by itself (not links)."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source") and values.get("src"):
            self.fetched.append(values["src"])  # type: ignore[arg-type]
        if (
            tag == "link"
            and values.get("rel") not in ("canonical", "alternate", None)
            and values.get("href")
        ):
            self.fetched.append(values["href"])  # type: ignore[arg-type]


def test_the_site_makes_no_third_party_requests(built_site: Path) -> None:
    offenders = []
    for html_file in built_site.rglob("*.html"):
        collector = _ResourceCollector()
        collector.feed(html_file.read_text())
        offenders += [
            f"{html_file.relative_to(built_site)}: {url}"
            for url in collector.fetched
            if re.match(r"^(https?:)?//", url)
        ]
    for css in built_site.rglob("*.css"):
        offenders += [
            f"{css.name}: {url}"
            for url in re.findall(r"@import url\(([^)]+)\)", css.read_text())
        ]
    assert not offenders, "\n".join(offenders[:20])


def test_search_keeps_code_terms_whole() -> None:
    """expire_on_commit and N+1 are single tokens, so a search finds them."""
    config = load_config(str(REPO_ROOT / "mkdocs.yml"))
    search = config.plugins.get("material/search") or config.plugins["search"]
    separator = search.config["separator"]
    for term in ("expire_on_commit", "N+1", "model_config"):
        assert re.split(separator, f"see {term} here") == ["see", term, "here"]
