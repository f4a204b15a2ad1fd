"""A fresh pytest session of a few tests, with the suite's own fixtures.

Evidence for what the fixtures do across a whole session (a database made
and dropped, one test's rows gone before the next) runs them where that
session starts and ends: in a subprocess, on the server this run uses.
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT

# The suite's own loop scopes (pyproject.toml), so the fixtures behave here
# as they do in the suite.
PYTEST_INI = (
    "[pytest]\nasyncio_mode = auto\n"
    "asyncio_default_fixture_loop_scope = session\n"
    "asyncio_default_test_loop_scope = session\n"
)


def run_with_shop_fixtures(
    directory: Path,
    server_url: str | None,
    test_modules: Mapping[str, str],
    env: Mapping[str, str] | None = None,
    conftest: str = "",
) -> subprocess.CompletedProcess[str]:
    """``pytest -q`` of ``test_modules`` (file name: source) in ``directory``,
    with tests/support/shop_fixtures.py, making its databases on the server
    of ``server_url`` (``None``: wherever the fixtures find one); ``env``
    adds environment variables, and ``conftest`` is code the conftest.py
    runs before it loads the fixtures."""
    (directory / "conftest.py").write_text(
        conftest + 'pytest_plugins = ["tests.support.shop_fixtures"]\n'
    )
    for name, source in test_modules.items():
        (directory / name).write_text(source)
    (directory / "pytest.ini").write_text(PYTEST_INI)
    server = {} if server_url is None else {"TEST_DATABASE_URL": server_url}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=directory,
        capture_output=True,
        text=True,
        env=os.environ
        | server
        | {
            "PYTHONPATH": os.pathsep.join(
                [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        | dict(env or {}),
        check=False,
    )
