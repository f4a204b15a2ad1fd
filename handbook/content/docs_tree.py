"""The Markdown pages of the handbook and the code blocks on them."""

import subprocess
from pathlib import Path

from handbook.content.fences import FencedBlock, find_fences
from handbook.content.tools import tool_path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = REPO_ROOT / "docs"
# Roots whose files pages may quote by named section. Every section in them
# must be used by some page.
SNIPPET_ROOTS = (
    REPO_ROOT / "snippets",
    REPO_ROOT / "tests",
    REPO_ROOT / "throwaway",
    REPO_ROOT / ".pre-commit-config.yaml",
    REPO_ROOT / "Taskfile.yml",
    REPO_ROOT / "pyproject.toml",
)


def markdown_pages(docs_dir: Path = DOCS_DIR) -> list[Path]:
    """Every hand-written page; ``_data/`` holds inputs, not pages."""
    return sorted(
        p
        for p in docs_dir.rglob("*.md")
        if "_data" not in p.relative_to(docs_dir).parts
    )


def code_blocks(docs_dir: Path = DOCS_DIR) -> list[FencedBlock]:
    return [block for page in markdown_pages(docs_dir) for block in find_fences(page)]


def block_id(block: FencedBlock) -> str:
    """A readable pytest id: ``principles/tooling/uv-only.md:42``."""
    return f"{block.path.relative_to(DOCS_DIR).as_posix()}:{block.line}"


def tracked_files(*pathspecs: str) -> list[str]:
    """Paths git tracks (under ``pathspecs``, if given), relative to the repo root.

    NUL-separated (``-z``): without it git quotes a path with a non-ASCII
    or special character, and the quoted name is no file.
    """
    listing = subprocess.run(
        [tool_path("git"), "ls-files", "-z", *pathspecs],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [path for path in listing.split("\0") if path]
