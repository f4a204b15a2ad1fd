"""The served stylesheet is the source's rules without the comments."""

import re
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR
from handbook.site.css_comments import SITE_STYLESHEET, without_comments


def _rules(css: str) -> list[str]:
    return re.sub(r"\s+", " ", css).replace("; }", ";}").split("}")


def test_the_built_stylesheet_has_the_sources_rules_and_no_comment(
    built_site: Path,
) -> None:
    source = (DOCS_DIR / SITE_STYLESHEET).read_text()
    served = (built_site / SITE_STYLESHEET).read_text()

    assert "/*" in source
    assert "/*" not in served
    assert _rules(served) == _rules(without_comments(source))
    assert served.count("{") > 40  # the rules are all there, not an empty file


def test_no_string_in_the_stylesheet_looks_like_a_comment() -> None:
    """What lets a regular expression strip the comments safely."""
    source = (DOCS_DIR / SITE_STYLESHEET).read_text()
    for string in re.findall(r"\"[^\"]*\"|'[^']*'", without_comments(source)):
        assert "/*" not in string, string
        assert "*/" not in string, string


def test_stripping_keeps_what_surrounds_a_comment() -> None:
    css = "/* why */\n.a { color: red; } /* trailing */\n.b { margin: 0; }\n"

    assert without_comments(css) == ".a { color: red; } .b { margin: 0; }\n"
