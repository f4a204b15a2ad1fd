"""Evidence for RUFF-CONFIG: Ruff lints and formats with an explicit rule selection.

Each test reproduces a claim docs/principles/tooling/ruff-lint-format.md makes,
against the real tool, library or service.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.linting import ruff_codes_with_the_sources_configuration
from tests.support.pages import block_titled
from tests.support.source_code import source_python_files

RUFF_PAGE = DOCS_DIR / "principles" / "tooling" / "ruff-lint-format.md"


def test_ruff_without_a_selection_enables_more_than_400_rules(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text('"""A module."""\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--show-settings",
            "module.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    enabled = result.stdout.split("linter.rules.enabled = [", 1)[1].split("]", 1)[0]
    count = sum(1 for line in enabled.splitlines() if line.strip())
    assert count > 400, (
        f"ruff now enables {count} rules by default; fix the claim in {RUFF_PAGE}"
    )
    assert "more than 400 rules" in RUFF_PAGE.read_text()


def test_the_page_lists_what_ruff_reports_on_the_sources_python(tmp_path: Path) -> None:
    found = ruff_codes_with_the_sources_configuration(source_python_files(), tmp_path)
    listed = block_titled(
        RUFF_PAGE,
        "Rule codes ruff check reports on the source's Python, with the source's configuration",
    ).source

    assert listed.splitlines() == [
        f"{name} {' '.join(codes)}" for name, codes in found.items()
    ]


def test_the_repositorys_rules_are_selected_explicitly_in_the_lint_table() -> None:
    """An explicit selection, not ruff's defaults plus additions.

    Deprecated top-level settings are caught by the config check of
    tests/test_repository.py, which fails on any warning ruff prints.
    """
    ruff = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["ruff"]

    assert ruff.get("lint", {}).get("select"), "no select in [tool.ruff.lint]"
    assert "extend-select" not in ruff["lint"]
    assert "List the rule families you want under `[tool.ruff.lint]`" in " ".join(
        RUFF_PAGE.read_text().split()
    )
