"""Evidence for OPS-HEALTH: /health checks the database and answers fast.

Each test reproduces a claim docs/principles/operations/health-check.md makes,
against the real tool, library or service.
"""

import inspect

import asyncpg

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings
from tests.support.pages import prose

HEALTH_PAGE = DOCS_DIR / "principles" / "operations" / "health-check.md"


def test_connect_timeouts_are_what_the_health_page_says() -> None:
    timeout = inspect.signature(asyncpg.connect).parameters["timeout"].default
    ours = Settings.model_fields["database_connect_timeout_seconds"].default

    assert timeout == 60
    assert ours == 5
    page_text = prose(HEALTH_PAGE)
    assert "`connect()` has a default timeout of 60 seconds" in page_text
    assert "asyncpg's default of 60 seconds" in page_text
    assert "`database_connect_timeout_seconds` (default 5)" in page_text
