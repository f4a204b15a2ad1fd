"""Fixtures shared across test folders: the site, built once per session.

The reference service's fixtures (a real PostgreSQL, one rolled-back
transaction per test, signed-in users) live in ``shop_fixtures.py``: both
the service's own tests (tests/service/) and the principles' evidence
modules (tests/principles/) use them, so they are registered for the whole
suite here. ``postgres_provider.py`` decides where the server comes from.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.docs_tree import REPO_ROOT

# The reference service's fixtures (a real PostgreSQL, sessions, users), shared
# by tests/service/ and the evidence modules in tests/principles/.
pytest_plugins = ["shop_fixtures"]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` of the real docs, shared by every site test."""
    site_dir = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "SITE_URL": "https://handbook.test/",
    }
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
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site_dir
