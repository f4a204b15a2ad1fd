"""Evidence for DB-SESSION: Sessions are per request and do not expire objects on commit.

Each test reproduces a claim docs/principles/data/session-per-request.md makes,
against the real tool, library or service.
"""

import pytest

from handbook.docs_tree import DOCS_DIR
from handbook.fences import find_fences

SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"


DB_SESSION_PAGE = DOCS_DIR / "principles" / "data" / "session-per-request.md"


def test_the_source_database_module_fails_at_import_as_the_page_says() -> None:
    source_module = next(
        b for b in find_fences(SOURCE_DOCUMENT) if b.source.startswith("# database.py")
    )
    with pytest.raises(NameError, match="name 'settings' is not defined"):
        exec(compile(source_module.source, "database.py", "exec"), {})  # noqa: S102 - the source's own code
    assert "a global `settings` that the module never defines" in " ".join(
        DB_SESSION_PAGE.read_text().split()
    )
