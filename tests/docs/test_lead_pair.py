"""A principle page leads with a short Don't / Do pair copied from its own sections."""

import re
from html import unescape
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import parse_document
from handbook.content.registry import Principle, load_registry
from handbook.site.lead_pair import LEAD_MAX_LINES, fallback_sections, lead_pair

REGISTRY = load_registry(DOCS_DIR)
PAGE = Path("principles/example/page.md")

# Pages whose principle has no short code example on one side: that side
# leads with its opening sentence. Listed so that a page joining or leaving
# the list is a decision, not an accident. Today every page leads with code.
FALLBACKS: dict[str, list[str]] = {}


def _page(front: str, dont: str, do: str) -> str:
    return (
        f"---\nid: EX-ONE\nlevel: must\n{front}---\n\n## Why\n\nBecause.\n\n"
        f"## Do\n\n{do}\n\n## Don't\n\n{dont}\n\n## How to check\n\nLook.\n\n"
        "## Related\n\n- none\n"
    )


def _python(lines: int, name: str = "x") -> str:
    body = "\n".join(f"{name}_{n} = {n}" for n in range(lines))
    return f"```python\n{body}\n```"


TEXT_OUTPUT = "```text\nTraceback (most recent call last)\n```"


def test_the_pair_is_dont_then_do_each_the_first_short_code_block_of_its_section() -> (
    None
):
    text = _page(
        "",
        dont=f"Don't:\n\n{TEXT_OUTPUT}\n\n{_python(3, 'bad')}\n\n{_python(2, 'worse')}",
        do=f"Do:\n\n{_python(LEAD_MAX_LINES + 1, 'long')}\n\n{_python(2, 'good')}\n\n"
        f"{_python(2, 'also')}",
    )
    dont, do = lead_pair(parse_document(PAGE, text))
    assert (dont.section, do.section) == ("Don't", "Do")
    assert dont.block is not None
    assert dont.block.source.startswith("bad_0")
    assert do.block is not None
    assert do.block.source.startswith("good_0")


def test_front_matter_points_at_the_block_that_leads() -> None:
    text = _page(
        "lead: {do: 2}\n",
        dont=_python(2, "bad"),
        do=f"{_python(2, 'a')}\n\n{_python(2, 'b')}",
    )
    _, do = lead_pair(parse_document(PAGE, text))
    assert do.block is not None
    assert do.block.source.startswith("b_0")


def test_a_side_with_no_short_code_block_leads_with_its_opening_sentence() -> None:
    text = _page(
        "",
        dont=f"Don't format values into SQL:\n\n{_python(LEAD_MAX_LINES + 1)}",
        do=_python(2),
    )
    dont, _ = lead_pair(parse_document(PAGE, text))
    assert dont.block is None
    assert dont.opening == "Don't format values into SQL."


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("lead: {do: 3}\n", "lead.do is 3, but '## Do' has 2 code blocks"),
        (
            "lead: {dont: 0}\n",
            "lead.dont must be a block number from 1 or a 'path:section', not 0",
        ),
        ("lead: {example: 1}\n", "lead must map 'dont' and/or 'do'"),
        ("lead: 2\n", "lead must map 'dont' and/or 'do'"),
    ],
)
def test_a_bad_pointer_stops_the_build_at_the_lead_line(
    front: str, message: str
) -> None:
    text = _page(front, dont=_python(2), do=f"{_python(2)}\n\n{_python(2)}")
    with pytest.raises(LocatedError) as error:
        lead_pair(parse_document(PAGE, text))
    assert str(error.value).startswith(f"{PAGE}:4: {message}")


def test_a_pointer_at_a_long_block_stops_the_build_at_that_block() -> None:
    text = _page("lead: {dont: 1}\n", dont=_python(LEAD_MAX_LINES + 1), do=_python(2))
    document = parse_document(PAGE, text)
    with pytest.raises(LocatedError) as error:
        lead_pair(document)
    dont = document.section("Don't")
    assert dont is not None
    block_line = next(b.line for b in document.fences if b.line > dont.line)
    assert str(error.value).startswith(
        f"{PAGE}:{block_line}: this block leads the page (lead.dont: 1) but is "
        f"{LEAD_MAX_LINES + 1} lines long"
    )


EAGER = REGISTRY.by_id("PERF-EAGER-LOAD")
EXCERPT = "tests/service/test_orders_api.py:lead-lazy-per-order"


def test_front_matter_may_point_at_a_section_nested_in_one_the_page_quotes() -> None:
    dont, _ = lead_pair(EAGER.document)
    assert dont.excerpt == EXCERPT
    assert dont.block is not None
    assert dont.block.includes == ["tests/service/test_orders_api.py:lazy-items"]


def test_an_excerpt_from_code_the_section_does_not_quote_stops_the_build() -> None:
    text = _page(f'lead: {{dont: "{EXCERPT}"}}\n', dont=_python(2), do=_python(2))
    with pytest.raises(LocatedError) as error:
        lead_pair(parse_document(PAGE, text))
    assert str(error.value).startswith(
        f"{PAGE}:4: lead.dont: section 'lead-lazy-per-order' is not inside a "
        "section that '## Don't' quotes"
    )


def test_an_excerpt_of_a_missing_section_stops_the_build() -> None:
    target = "tests/service/test_orders_api.py:no-such-section"
    text = _page(f'lead: {{do: "{target}"}}\n', dont=_python(2), do=_python(2))
    with pytest.raises(LocatedError, match=r":4: lead.do: .* has no section"):
        lead_pair(parse_document(PAGE, text))


def test_the_pages_that_lead_with_words_are_the_listed_ones() -> None:
    found = {
        p.id: sides
        for p in REGISTRY.principles
        if (sides := fallback_sections(p.document))
    }
    assert found == FALLBACKS


def _code_text(html: str) -> list[str]:
    """The text of each code block in ``html``, tags and line anchors removed."""
    return [
        unescape(re.sub(r"<[^>]+>", "", block))
        for block in re.findall(r"<pre[^>]*>(.*?)</pre>", html, re.S)
    ]


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


@pytest.mark.parametrize("principle", REGISTRY.principles, ids=lambda p: p.id)
def test_the_lead_copies_a_block_its_section_shows_right_under_the_rule(
    built_site: Path, principle: Principle
) -> None:
    html = (built_site / principle.url / "index.html").read_text()
    rule = html.index("admonition rule")
    lead = _between(html, '<div class="pbp-lead">', 'id="why"')
    # Right under the rule: nothing but the rule box between the two.
    assert html.index('<div class="pbp-lead">') > rule
    assert "<h2" not in html[rule : html.index('<div class="pbp-lead">')]
    labels = re.findall(r'pbp-lead__label--(\w+)"><strong>([^<]+)</strong>', lead)
    assert [(key, unescape(label)) for key, label in labels] == [
        ("dont", "Don't"),
        ("do", "Do"),
    ]
    parts = re.split(r'<p class="pbp-lead__label', lead)[1:]
    sections = {
        "Don't": _between(html, 'id="dont"', "<h2"),
        "Do": _between(html, 'id="do"', "<h2"),
    }
    for part, item in zip(parts, lead_pair(principle.document), strict=True):
        # Each side links to the section it comes from.
        assert f'href="#{item.anchor}"' in part, item.section
        assert f'<h2 id="{item.anchor}">' in html, item.section
        shown = _code_text(part)
        if item.block is None:
            assert shown == []
            assert "pbp-lead__opening" in part
            continue
        assert len(shown) == 1
        assert shown[0].count("\n") <= LEAD_MAX_LINES
        in_section = _code_text(sections[item.section])
        if item.excerpt is None:
            assert shown[0] in in_section, item.section
        else:  # whole lines of one of the section's blocks, dedented
            lines = [line.strip() for line in shown[0].splitlines()]
            assert any(
                _contains_lines([x.strip() for x in block.splitlines()], lines)
                for block in in_section
            ), item.section


def _contains_lines(block: list[str], lines: list[str]) -> bool:
    return any(
        block[start : start + len(lines)] == lines
        for start in range(len(block) - len(lines) + 1)
    )


def test_the_contributing_guide_gives_the_lead_s_line_limit() -> None:
    guide = (DOCS_DIR / "contributing.md").read_text(encoding="utf-8")
    assert f"at most {LEAD_MAX_LINES} lines in each of the two sections" in " ".join(
        guide.split()
    )
