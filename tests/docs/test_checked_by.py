"""Each principle page and the checklist say what `principles check` checks it with."""

import re
from html import unescape
from pathlib import Path

import pytest

from handbook.checker.coverage import NOT_MACHINE_CHECKED
from handbook.checker.registry import rules_for
from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import Principle, load_registry

REGISTRY = load_registry(DOCS_DIR)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _rule_box(built_site: Path, principle: Principle) -> str:
    html = (built_site / principle.url / "index.html").read_text()
    box = re.search(r'<div class="admonition rule">(.*?)</div>', html, re.S)
    assert box, principle.id
    return _text(box[1])


def test_a_machine_checked_principle_names_its_tools_and_codes(
    built_site: Path,
) -> None:
    box = _rule_box(built_site, REGISTRY.by_id("DB-BOUND-PARAMS"))
    assert (
        "principles check: ruff S608; principles sql-from-string "
        "(static stage: reads files only, fast enough for pre-commit)." in box
    )


@pytest.mark.parametrize(
    ("principle_id", "stages"),
    [
        (
            "STRUCT-DEPENDS",
            "(static stage: reads files only, fast enough for pre-commit).",
        ),
        ("API-ERROR-BODY", "(ci stage: imports the app or runs the slower linters)."),
        (
            "API-CURSOR-PAGINATION",
            "(static and ci stages: static reads files only, fast enough for "
            "pre-commit; ci imports the app or runs the slower linters).",
        ),
    ],
)
def test_the_rule_box_says_what_its_stages_do_beside_their_names(
    built_site: Path, principle_id: str, stages: str
) -> None:
    """A newcomer stopped at "static stage": the box says it in passing, in
    the words of the checker's page, whose tests run both stages."""
    assert _rule_box(built_site, REGISTRY.by_id(principle_id)).rstrip().endswith(stages)
    checker_page = " ".join((DOCS_DIR / "checker.md").read_text().split())
    assert "`--stage static` (the default) reads files only" in checker_page
    assert "It is fast enough for pre-commit." in checker_page
    assert "the app's OpenAPI document (it imports the app)" in checker_page


def test_a_principle_no_rule_checks_says_so_and_why(built_site: Path) -> None:
    box = _rule_box(built_site, REGISTRY.by_id("ASYNC-GATHER"))
    assert (
        "principles check: not machine-checked: "
        f"{NOT_MACHINE_CHECKED['ASYNC-GATHER']}." in box
    )


@pytest.mark.parametrize("principle_id", ["DB-BOUND-PARAMS", "ASYNC-GATHER"])
def test_the_rule_box_links_the_checker_and_its_stages_for_a_newcomer(
    built_site: Path, principle_id: str
) -> None:
    principle = REGISTRY.by_id(principle_id)
    html = (built_site / principle.url / "index.html").read_text()
    box = re.search(r'<div class="admonition rule">(.*?)</div>', html, re.S)
    assert box, principle_id
    assert '<a href="../../../checker/"><code>principles check</code></a>' in box[1]
    if rules_for(principle_id):
        assert re.search(
            r'<a href="../../../checker/#two-stages">static stage</a>', box[1]
        )
    assert 'id="two-stages"' in (built_site / "checker" / "index.html").read_text()


@pytest.mark.parametrize("principle", REGISTRY.principles, ids=lambda p: p.id)
def test_every_rule_box_lists_each_rule_of_its_principle(
    built_site: Path, principle: Principle
) -> None:
    box = _rule_box(built_site, principle)
    rules = rules_for(principle.id)
    if not rules:
        assert "principles check: not machine-checked" in box
    for rule in rules:
        # The tool, then (among its codes) this one, whole.
        listed = (
            rf"\b{re.escape(rule.tool)} [^;(]*(?<![\w-]){re.escape(rule.code)}(?![\w-])"
        )
        assert re.search(listed, box), rule.code


def test_the_checklist_says_for_each_principle_what_checks_it(
    built_site: Path,
) -> None:
    html = (built_site / "checklist" / "index.html").read_text()
    for principle in REGISTRY.principles:
        item = re.search(
            rf"<li><a href=[^>]*><code[^>]*>{principle.id}</code>.*?</li>", html, re.S
        )
        assert item, principle.id
        note = re.search(
            r'<span class="pbp-checked">(.*?)</span>\s*</li>', item[0], re.S
        )
        assert note, principle.id
        text = _text(note[1])
        rules = rules_for(principle.id)
        if not rules:
            assert text == "· not machine-checked", principle.id
        for rule in rules:
            assert text.startswith("· checked by "), principle.id
            assert f"{rule.tool} " in text, (principle.id, rule)
            assert rule.code in text, (principle.id, rule)
