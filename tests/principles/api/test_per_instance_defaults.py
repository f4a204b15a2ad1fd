"""Evidence for API-FIELD-DEFAULTS: Defaults that must differ per instance come from default_factory.

Each test reproduces a claim docs/principles/api/per-instance-defaults.md makes,
against the real tool, library or service.
"""

from typing import Any

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences
from tests.support.linting import ruff_check_code

PAGE = DOCS_DIR / "principles" / "api" / "per-instance-defaults.md"


def _shown_function() -> str:
    block = next(
        b for b in find_fences(PAGE) if (b.title or "").endswith("(never committed)")
    )
    return block.source.split("\n\nadd_sku(", 1)[0] + "\n"


def test_a_mutable_default_argument_is_shared_between_calls() -> None:
    namespace: dict[str, Any] = {}
    exec(_shown_function(), namespace)  # noqa: S102 - the page's own example
    namespace["add_sku"]("BOOK-001")
    assert namespace["add_sku"]("PEN-042") == ["BOOK-001", "PEN-042"]


def test_ruff_reports_the_mutable_default_with_the_quoted_rule() -> None:
    result = ruff_check_code(_shown_function(), "drafts.py")
    quoted = next(
        b for b in find_fences(PAGE) if b.language == "text" and b.title is None
    )
    assert quoted.source.strip() in result.stdout, result.stdout
