"""The Anti-patterns page names each of the source's six and links to its principle."""

import re

from handbook.docs_tree import DOCS_DIR
from handbook.registry import load_registry

PAGE = DOCS_DIR / "anti-patterns.md"
SOURCE = DOCS_DIR / "_data" / "source-document.md"


def _source_anti_patterns() -> list[str]:
    section = (
        SOURCE.read_text().split("## Anti-Patterns to Avoid", 1)[1].split("\n## ", 1)[0]
    )
    return re.findall(r"^\d+\. \*\*(.+?)\*\*", section, flags=re.MULTILINE)


def test_the_source_names_six_anti_patterns() -> None:
    assert len(_source_anti_patterns()) == 6


def test_each_anti_pattern_has_a_section_linking_to_a_principle() -> None:
    registry = load_registry(DOCS_DIR)
    sections = dict(
        re.findall(
            r"^## (.+?)\n(.*?)(?=^## |\Z)", PAGE.read_text(), re.MULTILINE | re.DOTALL
        )
    )

    assert list(sections) == _source_anti_patterns()
    for name, body in sections.items():
        links = re.findall(r"\]\((principles/[^)]+\.md)\) `([A-Z0-9-]+)`", body)
        assert links, f"{name}: no link to a principle"
        for path, principle_id in links:
            assert registry.by_id(principle_id).path.as_posix() == path, name
