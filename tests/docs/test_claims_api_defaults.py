"""The API-FIELD-DEFAULTS page's claims about plain functions and ruff."""

import subprocess
import sys

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.fences import find_fences

PAGE = DOCS_DIR / "principles" / "api" / "per-instance-defaults.md"


def _shown_function() -> str:
    block = next(
        b for b in find_fences(PAGE) if (b.title or "").endswith("(never committed)")
    )
    return block.source.split("\n\nadd_sku(", 1)[0] + "\n"


def test_a_mutable_default_argument_is_shared_between_calls() -> None:
    namespace: dict = {}
    exec(_shown_function(), namespace)  # noqa: S102 - the page's own example
    namespace["add_sku"]("BOOK-001")
    assert namespace["add_sku"]("PEN-042") == ["BOOK-001", "PEN-042"]


def test_ruff_reports_the_mutable_default_with_the_quoted_rule() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--stdin-filename",
            "drafts.py",
            "-",
        ],
        input=_shown_function(),
        cwd=REPO_ROOT,  # the repository's own rule selection
        capture_output=True,
        text=True,
        check=False,
    )
    quoted = next(
        b for b in find_fences(PAGE) if b.language == "text" and b.title is None
    )
    assert quoted.source.strip() in result.stdout, result.stdout
