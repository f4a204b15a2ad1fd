""" "The source" is said once in plain words, where a reader first meets it."""

import re
from html import unescape
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry

REGISTRY = load_registry(DOCS_DIR)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _page(built_site: Path, url: str) -> str:
    return (built_site / url / "index.html").read_text()


def test_start_here_says_what_the_source_is_and_links_it(built_site: Path) -> None:
    html = _page(built_site, "start-here")
    paragraph = re.search(r'<p id="the-source">(.*?)</p>', html, re.DOTALL)
    assert paragraph
    assert "design document, Python Backend Design Principles" in _text(paragraph[1])
    assert 'href="../source/"' in paragraph[1]
    assert 'href="../corrections/"' in paragraph[1]


def test_the_home_page_names_the_source_and_leads_to_that_explanation(
    built_site: Path,
) -> None:
    html = _page(built_site, "")
    assert "The source is the design document" in _text(html)
    assert 'href="start-here/#the-source"' in html


def test_each_principle_s_source_section_says_first_what_the_source_is(
    built_site: Path,
) -> None:
    for principle in REGISTRY.principles:
        html = _page(built_site, principle.url)
        section = html[html.index('<h2 id="source">') :]
        first = re.search(r"<p>(.*?)</p>", section, re.DOTALL)
        assert first, principle.id
        assert _text(first[1]).startswith(
            "The source of this principle is the design document the handbook "
            "checks and corrects, Python Backend Design Principles (what it is)"
        ), principle.id
        assert 'href="../../../start-here/#the-source"' in first[1], principle.id
