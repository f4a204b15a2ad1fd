"""The code-review page's prefixes are the ones the generated comments use."""

import json
import re
from html import unescape
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry
from handbook.content.review_comments import REVIEW_PREFIX

PAGE = DOCS_DIR / "code-review.md"
REGISTRY = load_registry(DOCS_DIR)
SITE_URL = "https://handbook.test/"
NO_LEVEL = "none"


def _prefix_table() -> dict[str, str]:
    """Prefix -> level (lower case, or "none") from the page's table."""
    text = PAGE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| (\w+) \|", text, re.M)
    assert rows, "no prefix table on the code-review page"
    return {prefix: level.lower() for prefix, level in rows}


def _review_comment(built_site: Path, url: str) -> str:
    html = (built_site / url / "index.html").read_text()
    block = re.search(r'id="in-code-review".*?<code>(.*?)</code>', html, re.S)
    assert block, f"{url}: no review comment"
    return unescape(re.sub(r"<[^>]+>", "", block[1])).strip()


@pytest.fixture(scope="module")
def levels(built_site: Path) -> list[str]:
    levels: list[str] = json.loads((built_site / "principles.json").read_text())[
        "levels"
    ]
    return levels


def test_the_table_gives_every_level_one_prefix(levels: list[str]) -> None:
    by_level = {
        level: prefix for prefix, level in _prefix_table().items() if level != NO_LEVEL
    }
    assert sorted(by_level) == sorted(levels)
    assert len(set(by_level.values())) == len(levels)


def test_each_principles_review_comment_starts_with_its_levels_prefix(
    built_site: Path,
) -> None:
    prefix_of = {level: prefix for prefix, level in _prefix_table().items()}
    for principle in REGISTRY.principles:
        comment = _review_comment(built_site, principle.url)
        assert comment.startswith(f"{prefix_of[principle.level]} ({principle.id}): ")


def test_the_prefixes_no_principle_backs_are_nit_and_fyi(built_site: Path) -> None:
    unbacked = {p for p, level in _prefix_table().items() if level == NO_LEVEL}
    assert unbacked == {"Nit", "FYI"}
    for principle in REGISTRY.principles:
        comment = _review_comment(built_site, principle.url)
        assert not comment.startswith(tuple(unbacked)), principle.id


def test_the_one_line_form_shares_the_full_comments_start_and_short_link(
    built_site: Path,
) -> None:
    text = PAGE.read_text(encoding="utf-8")
    form = re.search(r"### The one-line form.*?```text\n(.*?)\n```", text, re.S)
    assert form, "no one-line form on the page"
    assert form[1] == "<prefix> (<ID>, <short name>): <short link>"
    for principle in REGISTRY.principles:
        full = _review_comment(built_site, principle.url)
        prefix = full.split(" (", 1)[0]
        line = (
            form[1]
            .replace("<prefix>", prefix)
            .replace("<ID>", principle.id)
            .replace("<short link>", f"{SITE_URL}id/{principle.id}/")
        )
        # The prefix the level gives: the line is built from the full comment's.
        assert prefix == REVIEW_PREFIX[principle.level], principle.id
        assert full.endswith(line.rsplit(": ", 1)[1]), principle.id
        link = built_site / "id" / principle.id / "index.html"
        assert link.is_file(), principle.id


def _review_blocks(built_site: Path, url: str) -> list[str]:
    """The text of each code block in a page's In code review section."""
    html = (built_site / url / "index.html").read_text()
    section = re.search(r'id="in-code-review"(.*?)<h2', html, re.S)
    assert section, f"{url}: no In code review section"
    return [
        unescape(re.sub(r"<[^>]+>", "", block)).strip()
        for block in re.findall(r"<pre[^>]*>.*?<code>(.*?)</code>", section[1], re.S)
    ]


def test_each_page_offers_the_one_line_comment_after_the_full_one(
    built_site: Path,
) -> None:
    """The one-line form: prefix, ID, short name and short link, the form the
    code-review page gives."""
    for principle in REGISTRY.principles:
        full, line = _review_blocks(built_site, principle.url)
        prefix = full.split(" (", 1)[0]
        assert line == (
            f"{prefix} ({principle.id}, {principle.short_name}): "
            f"{SITE_URL}id/{principle.id}/"
        )


def test_the_one_line_comment_names_the_principle_by_its_short_name() -> None:
    from dataclasses import replace

    from handbook.content.review_comments import review_line

    principle = replace(REGISTRY.by_id("PERF-EAGER-LOAD"), short_name="N+1 queries")
    assert review_line(principle, SITE_URL) == (
        f"Blocking (PERF-EAGER-LOAD, N+1 queries): {SITE_URL}id/PERF-EAGER-LOAD/"
    )
