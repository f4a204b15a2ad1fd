"""Fixtures shared across test folders: the site, built once per session.

The reference service's fixtures (a real PostgreSQL, one rolled-back
transaction per test, signed-in users) live in ``shop_fixtures.py``: both
the service's own tests (tests/service/) and the principles' evidence
modules (tests/principles/) use them, so they are registered for the whole
suite here. ``postgres_provider.py`` decides where the server comes from.
"""

from pathlib import Path

import pytest
from claims_support import build_site

# The reference service's fixtures (a real PostgreSQL, sessions, users), shared
# by tests/service/ and the evidence modules in tests/principles/.
pytest_plugins = ["shop_fixtures"]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` of the real docs, shared by every site test."""
    site_dir = tmp_path_factory.mktemp("site")
    build_site(site_dir, "https://handbook.test/")
    return site_dir
