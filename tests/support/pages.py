"""Read a page the way a reader does: its prose, and its code blocks by title."""

import re
import subprocess
from pathlib import Path

from handbook.content.fences import FencedBlock, find_fences
from handbook.content.tools import tool_path


def prose(page: Path) -> str:
    """The page's text with line breaks and runs of spaces folded.

    Claims are checked against wording, wherever the page wraps its lines.
    """
    return " ".join(page.read_text().split())


def block_titled(page: Path, title: str) -> FencedBlock:
    """The code block of ``page`` whose ``title`` attribute is ``title``."""
    for block in find_fences(page):
        if block.title == title:
            return block
    raise LookupError(f"{page}: no code block titled {title!r}")


TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ] {3}|    )*)(?:[├└]── )?(?P<name>[^\s#]+)")


def tree_paths(tree: str) -> set[str]:
    """The paths a ``tree``-style listing shows, relative to its root line."""
    paths: set[str] = set()
    parents: list[str] = []
    for line in tree.splitlines()[1:]:
        match = TREE_LINE.match(line)
        assert match, f"not a tree line: {line!r}"
        depth = len(match["indent"]) // 4
        name = match["name"].rstrip("/")
        parents[depth:] = [name]
        paths.add("/".join(parents))
    return paths


def run_as_written(command: str, cwd: Path) -> list[str]:
    """The lines a search a page gives prints, run by bash in ``cwd``.

    Exit status 1 is grep's "nothing found", an answer; anything else fails.
    """
    result = subprocess.run(
        [tool_path("bash"), "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()
