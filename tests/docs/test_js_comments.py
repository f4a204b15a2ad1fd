"""The served script is the source's code without its comment lines."""

from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR
from handbook.site.js_comments import SITE_SCRIPT, without_comment_lines


def _code_lines(js: str) -> list[str]:
    return [line for line in js.splitlines() if not line.lstrip().startswith("//")]


def test_the_built_script_has_the_sources_code_and_no_comment_line(
    built_site: Path,
) -> None:
    source = (DOCS_DIR / SITE_SCRIPT).read_text()
    served = (built_site / SITE_SCRIPT).read_text()

    assert any(line.lstrip().startswith("//") for line in source.splitlines())
    assert served.splitlines() == _code_lines(source)
    assert served.count("function") > 10  # the code is all there, not an empty file


def test_no_string_in_the_script_spans_lines() -> None:
    """What makes a line that starts with // a comment, safe to strip."""
    source = (DOCS_DIR / SITE_SCRIPT).read_text()
    assert "`" not in source


def test_stripping_keeps_code_and_comments_after_code() -> None:
    js = '// why\nvar a = 1; // trailing\n  // indented\nvar url = "http://x";\n'

    assert (
        without_comment_lines(js) == 'var a = 1; // trailing\nvar url = "http://x";\n'
    )
