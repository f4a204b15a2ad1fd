"""Search aliases: optional front matter, validated like every other field."""

import shutil
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.locations import LocatedError
from handbook.content.registry import load_registry


@pytest.fixture
def page_copy(tmp_path: Path) -> Path:
    """The first principle page of a scratch copy of docs/."""
    docs = Path(shutil.copytree(DOCS_DIR, tmp_path / "docs"))
    return sorted((docs / "principles").rglob("*.md"))[0]


def _set_aliases(page: Path, line: str | None) -> None:
    lines = [
        x
        for x in page.read_text().splitlines(keepends=True)
        if not x.startswith("aliases:")
    ]
    if line is not None:
        lines.insert(
            lines.index(next(x for x in lines if x.startswith("tags:"))) + 1, line
        )
    page.write_text("".join(lines))


def test_every_principle_declares_search_aliases() -> None:
    for principle in load_registry(DOCS_DIR).principles:
        assert principle.aliases, f"docs/{principle.path}: add aliases: [...]"


def test_aliases_are_optional(page_copy: Path) -> None:
    _set_aliases(page_copy, None)
    registry = load_registry(page_copy.parents[2])
    principle = registry.by_path(page_copy.relative_to(page_copy.parents[2]))
    assert principle is not None
    assert principle.aliases == ()


def test_aliases_are_read_as_stripped_strings(page_copy: Path) -> None:
    _set_aliases(page_copy, 'aliases: ["  MissingGreenlet ", "requirements.txt"]\n')
    principle = load_registry(page_copy.parents[2]).by_path(
        page_copy.relative_to(page_copy.parents[2])
    )
    assert principle is not None
    assert principle.aliases == ("MissingGreenlet", "requirements.txt")


@pytest.mark.parametrize(
    "line",
    ["aliases: poetry\n", "aliases: [poetry, 3]\n", 'aliases: [""]\n', "aliases:\n"],
    ids=["a string", "a number", "empty", "no value"],
)
def test_aliases_must_be_a_list_of_strings(page_copy: Path, line: str) -> None:
    _set_aliases(page_copy, line)
    with pytest.raises(
        LocatedError, match=rf"{page_copy.name}:\d+: aliases must be a list of strings"
    ):
        load_registry(page_copy.parents[2])
