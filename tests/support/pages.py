"""Helpers shared by the claims tests: read a page the way a reader does, run ruff."""

import os
import re
import subprocess
import sys
from pathlib import Path

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.fences import FencedBlock, find_fences
from handbook.validators import tool_path

SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"


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


def source_block_starting(first_line: str) -> str:
    """The source document's code block whose text starts with ``first_line``."""
    return next(
        b.source
        for b in find_fences(SOURCE_DOCUMENT)
        if b.source.lstrip().startswith(first_line)
    )


def scratch_repo(path: Path, files: dict[str, str]) -> Path:
    """A git repository at ``path`` with ``files`` staged."""
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content)
    git = tool_path("git")
    subprocess.run([git, "init", "-q"], cwd=path, check=True)
    subprocess.run([git, "add", "-A"], cwd=path, check=True)
    return path


def build_site(site_dir: Path, site_url: str) -> None:
    """``mkdocs build --strict`` of the real docs into ``site_dir`` for ``site_url``."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(site_dir),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": site_url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"


def source_python_files() -> dict[str, str]:
    """The source's Python blocks as the files they show, by name.

    The example implementation is one block holding four files, each after
    a ``# users/<module>.py`` line; it is split into them. The loader block
    (``from <project>.models import *``) holds a placeholder, not Python,
    and is left out.
    """
    from handbook.source_document import SourceDocument

    statements = {s.anchor: s.text for s in SourceDocument.load(DOCS_DIR).statements}
    files = {
        "config.py": statements["configuration-management--python"],
        "database.py": statements["async-sqlalchemy-setup--python"],
        "conftest.py": statements["transaction-isolation-pattern--python"],
    }
    parts = re.split(
        r"^# (users/\w+\.py)\n",
        statements["example-implementation--python"],
        flags=re.M,
    )
    files.update(dict(zip(parts[1::2], parts[2::2], strict=True)))
    return files


def ruff_codes_with_the_sources_configuration(
    files: dict[str, str], directory: Path
) -> dict[str, list[str]]:
    """File name -> the sorted rule codes ``ruff check`` reports on it, run in
    ``directory`` with the source's own pyproject.toml block as configuration."""
    from handbook.source_document import SourceDocument

    source = SourceDocument.load(DOCS_DIR)
    config = next(
        s.text
        for s in source.statements
        if s.anchor == "pre-commit-configuration--toml"
    )
    (directory / "pyproject.toml").write_text(config)
    for name, code in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format",
         "concise", *files],
        cwd=directory, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    found: dict[str, set[str]] = {name: set() for name in files}
    for match in re.finditer(r"^(\S+?):\d+:\d+: ([A-Z]+\d+)", result.stdout, re.M):
        found[match[1]].add(match[2])
    return {name: sorted(codes) for name, codes in found.items()}
