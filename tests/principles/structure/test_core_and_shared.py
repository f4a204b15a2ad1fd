"""Evidence for STRUCT-CORE-SHARED: the architecture test catches domain code in shared/.

It copies the reference service to a scratch directory, adds a module to
shared/ that imports a domain's model, and runs the service's own
architecture test against the copy.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from claims_support import block_titled

import shop
from handbook.docs_tree import DOCS_DIR, REPO_ROOT

PAGE = DOCS_DIR / "principles" / "structure" / "core-and-shared.md"
SHOP = Path(shop.__file__).parent
ARCHITECTURE_TEST = REPO_ROOT / "tests" / "service" / "test_architecture.py"

DOMAIN_CODE_IN_SHARED = '''\
"""Helpers for the signed-in user, "shared" because orders need them too."""

from shop.users.models import User


def display_name(user: User) -> str:
    return user.name or user.email
'''


def test_a_shared_module_importing_a_domain_fails_the_architecture_test(
    tmp_path: Path,
) -> None:
    source_root = tmp_path / "snippets"
    shutil.copytree(
        SHOP, source_root / "shop", ignore=shutil.ignore_patterns("__pycache__")
    )
    (source_root / "shop" / "shared" / "current_user.py").write_text(
        DOMAIN_CODE_IN_SHARED
    )
    shutil.copy(ARCHITECTURE_TEST, tmp_path / "test_architecture.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_architecture.py",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(source_root)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stdout
    quoted = (
        block_titled(PAGE, "Output of the architecture test")
        .source.strip()
        .splitlines()
    )
    for line in quoted:
        assert line in result.stdout, result.stdout


def test_the_tree_on_the_page_lists_every_module_of_core_and_shared() -> None:
    shown = block_titled(PAGE, "snippets/shop/").source
    for package in ("core", "shared"):
        for module in sorted((SHOP / package).glob("*.py")):
            if module.name != "__init__.py":
                assert f"{module.name} " in shown, module


def test_the_page_shows_the_module_the_test_adds() -> None:
    shown = block_titled(
        PAGE, "shop/shared/current_user.py (added to a scratch copy only)"
    )
    assert shown.source == DOMAIN_CODE_IN_SHARED
