"""Helpers shared by the claims tests: read a page the way a reader does, run ruff."""

import os
import subprocess
import sys
from pathlib import Path

from handbook.docs_tree import REPO_ROOT
from handbook.fences import FencedBlock, find_fences


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


def ruff_check_code(
    code: str, filename: str, *options: str, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    """``ruff check`` on ``code`` as if it were ``filename``.

    From the repository root it uses the repository's own rule selection.
    """
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            *options,
            "--stdin-filename",
            filename,
            "-",
        ],
        input=code,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
