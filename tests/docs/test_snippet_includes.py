"""Every include on a page resolves, and every quoted section is used.

Pages quote real, tested files by named section. A broken include, a
section no page uses (an orphan), or unbalanced markers fail here with the
file and line to fix. (That the quoted Python is ruff-clean is checked for
the whole repository in tests/test_repository.py.)
"""

from pathlib import Path

import pytest

from handbook.content.docs_tree import (
    DOCS_DIR,
    REPO_ROOT,
    SNIPPET_ROOTS,
    block_id,
    code_blocks,
)
from handbook.content.fences import INCLUDE_LINE, FencedBlock
from handbook.content.includes import expand, resolve_target
from handbook.content.registry import load_registry
from handbook.content.snippet_sections import all_sections, quotable_files, sections_in
from handbook.site.lead_pair import lead_pair

INCLUDE_BLOCKS = [block for block in code_blocks() if block.is_include]


@pytest.mark.parametrize("block", INCLUDE_BLOCKS, ids=block_id)
def test_include_resolves_to_the_named_section(block: FencedBlock) -> None:
    expanded = expand(block)
    left = [line for line in expanded.splitlines() if INCLUDE_LINE.match(line)]
    assert not left, f"{block}: includes left unexpanded: {left}"


@pytest.mark.parametrize("block", INCLUDE_BLOCKS, ids=block_id)
def test_include_block_holds_only_includes(block: FencedBlock) -> None:
    """Mixing typed code with included code would leave the typed part untested."""
    stray = [
        line
        for line in block.source.splitlines()
        if line.strip() and not INCLUDE_LINE.match(line)
    ]
    assert not stray, f"{block}: typed lines in an include block: {stray}"


@pytest.mark.parametrize(
    "path",
    quotable_files(SNIPPET_ROOTS),
    ids=lambda p: p.relative_to(REPO_ROOT).as_posix(),
)
def test_section_markers_are_balanced(path: Path) -> None:
    sections_in(path)


def test_every_section_is_quoted_by_a_page() -> None:
    used = {
        resolve_target(target) for block in INCLUDE_BLOCKS for target in block.includes
    }
    # A page's lead pair may quote a section nested in one its Do or Don't quotes.
    used |= {
        resolve_target(item.excerpt)
        for principle in load_registry(DOCS_DIR).principles
        for item in lead_pair(principle.document)
        if item.excerpt is not None
    }
    orphans = [
        f"{section.path.relative_to(REPO_ROOT)}:{section.start_line}: section '{section.name}' is used by no page"
        for section in all_sections(SNIPPET_ROOTS)
        if (section.path, section.name) not in used
    ]
    assert not orphans, "\n".join(orphans)
