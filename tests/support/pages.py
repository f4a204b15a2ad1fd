"""Read a page the way a reader does: its prose, and its code blocks by title."""

from pathlib import Path

from handbook.content.fences import FencedBlock, find_fences


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
