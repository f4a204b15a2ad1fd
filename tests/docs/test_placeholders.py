"""One placeholder syntax for the whole site, checked before any page renders."""

from pathlib import Path

import pytest
from mkdocs.config import load_config

from handbook.content import placeholders
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import parse_document
from handbook.content.placeholders import (
    Kind,
    PageAddress,
    Placeholder,
    Stage,
    no_argument,
)
from handbook.site.build import Build

PAGE = Path("docs/guide.md")


def _kinds() -> dict[str, Kind]:
    def shout(placeholder: Placeholder, page: PageAddress) -> str:
        return f"{placeholder.argument.upper()} on {page.uri}"

    def check_word(placeholder: Placeholder) -> None:
        if not placeholder.argument.isalpha():
            raise LocatedError(placeholder.location, "a word, please")

    return {
        "shout": Kind(Stage.MARKDOWN, check_word, shout),
        "pages": Kind(Stage.HTML, no_argument, lambda _p, page: f"<ol>{page.url}</ol>"),
    }


def _checked(text: str) -> list[Placeholder]:
    found = placeholders.find(parse_document(PAGE, text, front_matter=False))
    placeholders.check(found, _kinds())
    return found


def test_a_markdown_placeholder_is_replaced_where_it_stands() -> None:
    text = "# Guide\n\nSay [[shout:hello]] and [[shout:bye]].\n"
    document = parse_document(PAGE, text, front_matter=False)
    found = _checked(text)

    lines = placeholders.expand_markdown(
        document, found, _kinds(), PageAddress("guide.md", "guide/")
    )

    assert lines[2] == "Say HELLO on guide.md and BYE on guide.md."


def test_an_unknown_kind_names_its_file_and_line() -> None:
    with pytest.raises(
        LocatedError,
        match=r"guide\.md:3: unknown placeholder \[\[rules\]\]: the kinds are pages, shout",
    ):
        _checked("# Guide\n\nTOML tables look like [[rules]].\n")


def test_the_kind_checks_its_argument_at_the_placeholder_s_line() -> None:
    with pytest.raises(LocatedError, match=r"guide\.md:2: a word, please"):
        _checked("Fine.\nSay [[shout:h3llo]].\n")


def test_text_that_only_looks_like_a_placeholder_in_code_is_code() -> None:
    text = (
        "Rules:\n\n```toml\n[[rules]]\nid = 'key'\n```\n\nAnd `[[shout:x]]` inline.\n"
    )

    found = _checked(text)

    assert [p.text for p in found] == ["[[rules]]"]
    assert found[0].in_code


def test_a_known_kind_in_a_code_block_is_refused() -> None:
    with pytest.raises(
        LocatedError, match=r"guide\.md:2: \[\[shout:x\]\] is in a code block"
    ):
        _checked("```text\n[[shout:x]]\n```\n")


@pytest.mark.parametrize(
    "text",
    ["Say [[shout:hello].\n", "Say [[Shout:hello]].\n", "Say [[shout: hello]].\n"],
    ids=["unclosed", "capital", "space"],
)
def test_a_malformed_placeholder_is_an_error(text: str) -> None:
    with pytest.raises(LocatedError, match=r"guide\.md:1: malformed placeholder"):
        _checked(text)


def test_an_html_placeholder_stands_alone_and_takes_no_argument() -> None:
    with pytest.raises(LocatedError, match=r":1: .* put it on a line of its own"):
        _checked("All of them: [[pages]]\n")
    with pytest.raises(LocatedError, match=r":1: \[\[pages\]\] takes no argument"):
        _checked("[[pages:all]]\n")


def test_an_html_placeholder_replaces_its_paragraph_once_pages_are_rendered() -> None:
    found = _checked("# Guide\n\n[[pages]]\n")

    html = placeholders.expand_html(
        "<h1>Guide</h1>\n<p>[[pages]]</p>", found, _kinds(), PageAddress("g.md", "g/")
    )

    assert html == "<h1>Guide</h1>\n<ol>g/</ol>"


def _start(docs: Path) -> Build:
    config = load_config(str(REPO_ROOT / "mkdocs.yml"), docs_dir=str(docs))
    return Build.start(config)


def test_every_content_error_stops_the_build_before_any_page_renders(
    docs_copy: Path,
) -> None:
    """Anatomy, placeholders: all checked when the build starts (on_config)."""
    page = docs_copy / "principles" / "api" / "etag.md"
    text = page.read_text()
    page.write_text(text.replace("\n## How to check\n", "\n## How to test\n"))
    with pytest.raises(
        LocatedError, match=r"etag\.md:\d+: expected section '## How to check'"
    ):
        _start(docs_copy)

    page.write_text(
        text.replace("[[bench:etag.full.bytes]]", "[[bench:etag.fulll.bytes]]")
    )
    with pytest.raises(LocatedError, match=r"etag\.md:\d+: unknown benchmark key"):
        _start(docs_copy)


def test_the_real_site_starts_without_an_error() -> None:
    build = _start(DOCS_DIR)

    assert build.placeholders["print.md"][0].text == "[[all-principles]]"
    assert sum(len(found) for found in build.placeholders.values()) > 20
