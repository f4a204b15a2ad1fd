"""Run ruff on code a test holds: with this repository's rules, or the source's."""

import os
import re
import subprocess
import sys
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.source_document import SourceDocument


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


def ruff_codes_with_the_sources_configuration(
    files: dict[str, str], directory: Path
) -> dict[str, list[str]]:
    """File name -> the sorted rule codes ``ruff check`` reports on it, run in
    ``directory`` with the source's own pyproject.toml block as configuration."""
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
