"""Evidence for STRUCT-CORE-SHARED: the architecture test catches domain code in shared/.

It copies the reference service to a scratch directory, adds a module to
shared/ that imports a domain's model, and runs the service's own
architecture test against the copy.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import shop
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support import import_graph
from tests.support.pages import block_titled, prose, run_as_written, tree_paths

PAGE = DOCS_DIR / "principles" / "structure" / "core-and-shared.md"
SHOP = Path(shop.__file__).parent
ARCHITECTURE_TEST = REPO_ROOT / "tests" / "service" / "test_architecture.py"

DOMAIN_CODE_IN_SHARED = '''\
"""Helpers for the signed-in user, "shared" because orders need them too."""

from shop.users.models import User


def display_name(user: User) -> str:
    return user.name or user.email
'''


def _scratch_copy(tmp_path: Path) -> Path:
    """The service's source root, copied; its ``shop`` package is the copy's."""
    source_root = tmp_path / "snippets"
    shutil.copytree(
        SHOP, source_root / "shop", ignore=shutil.ignore_patterns("__pycache__")
    )
    return source_root


@pytest.mark.parametrize(
    "import_line",
    ["from shop.users.models import User", "from ..users.models import User"],
    ids=["absolute", "relative"],
)
def test_a_shared_module_importing_a_domain_fails_the_architecture_test(
    tmp_path: Path, import_line: str
) -> None:
    source_root = _scratch_copy(tmp_path)
    (source_root / "shop" / "shared" / "current_user.py").write_text(
        DOMAIN_CODE_IN_SHARED.replace("from shop.users.models import User", import_line)
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


def _shown_paths(tree: str) -> set[str]:
    """The paths the page's listing shows: two trees, ``core/`` and ``shared/``,
    each read as a tree rooted at its package's line."""
    paths: set[str] = set()
    for subtree in re.split(r"(?m)^(?=[^\s│├└])", tree):
        if subtree:
            root = subtree.split()[0].rstrip("/")
            paths |= {f"{root}/{path}" for path in tree_paths(subtree)}
    return paths


def test_the_tree_on_the_page_lists_every_module_of_core_and_shared() -> None:
    shown = _shown_paths(block_titled(PAGE, "snippets/shop/").source)
    real = {
        module.relative_to(SHOP).as_posix()
        for package in ("core", "shared")
        for module in (SHOP / package).glob("*.py")
        if module.name != "__init__.py"
    }

    assert shown == real, (
        f"{PAGE}: the tree is out of date; "
        f"missing {sorted(real - shown)}, not there {sorted(shown - real)}"
    )


def test_the_page_shows_the_module_the_test_adds() -> None:
    shown = block_titled(
        PAGE, "shop/shared/current_user.py (added to a scratch copy only)"
    )
    assert shown.source == DOMAIN_CODE_IN_SHARED


def _grep_command() -> str:
    """The search the page's How to check gives, as written."""
    match = re.search(
        r"`(grep -rnE .+? snippets/shop/shared snippets/shop/core)`", prose(PAGE)
    )
    assert match, f"{PAGE}: no grep command in How to check"
    return match[1]


def _grep(cwd: Path) -> list[str]:
    return run_as_written(_grep_command(), cwd)


def test_the_pages_search_names_every_domain() -> None:
    domains = {
        path.name
        for path in SHOP.iterdir()
        if (path / "__init__.py").exists() and path.name not in {"core", "shared"}
    }
    searched = [
        g for g in re.findall(r"\(([a-z|]+)\)", _grep_command()) if "users" in g
    ]
    assert len(searched) == 1, _grep_command()
    assert set(searched[0].split("|")) == domains


def test_the_pages_search_lists_only_main_in_the_service() -> None:
    found = _grep(REPO_ROOT)

    assert found
    assert {line.split(":")[0] for line in found} == {"snippets/shop/core/main.py"}
    assert "only `core/main.py` may have any" in prose(PAGE)


@pytest.mark.parametrize(
    "import_line",
    [
        "from shop.catalog.models import Product",
        "from ..catalog.models import Product",
        "from ..users.models import User",
        "import shop.orders.service",
    ],
)
def test_the_pages_search_finds_a_domain_import_in_shared(
    tmp_path: Path, import_line: str
) -> None:
    source_root = _scratch_copy(tmp_path)
    (source_root / "shop" / "shared" / "leak.py").write_text(f"{import_line}\n")

    found = _grep(tmp_path)

    assert f"snippets/shop/shared/leak.py:1:{import_line}" in found


def test_one_domain_uses_each_cache_module_and_neither_imports_a_domain() -> None:
    graph = import_graph.build("shop")
    domains = {
        path.name
        for path in SHOP.iterdir()
        if (path / "__init__.py").exists() and path.name not in {"core", "shared"}
    }

    def domains_importing(module: str) -> set[str]:
        importers = graph.find_modules_that_directly_import(module)
        return {m.split(".")[1] for m in importers} & domains

    def domains_imported_by(module: str) -> set[str]:
        # Directly or through other modules.
        imported = graph.find_upstream_modules(module)
        return {m.split(".")[1] for m in imported if m.count(".")} & domains

    assert domains_importing("shop.shared.http_cache") == {"orders"}
    assert domains_importing("shop.shared.cache") == {"users"}
    assert domains_imported_by("shop.shared.http_cache") == set()
    assert domains_imported_by("shop.shared.cache") == set()
    assert (
        "only orders use `shared/http_cache.py` and only users use `shared/cache.py`"
        in prose(PAGE)
    )


def _domains() -> list[str]:
    """Every package of the service but the wiring and the shared code."""
    return sorted(
        path.name
        for path in SHOP.iterdir()
        if (path / "__init__.py").is_file() and path.name not in {"core", "shared"}
    )


# What core/main.py takes from the domains: each router, and what the
# lifespan builds once for the users domain's requests.
MAIN_TAKES_FROM_DOMAINS = {
    "shop.catalog.router",
    "shop.orders.router",
    "shop.users.router",
    "shop.users.security",  # PasswordHasher, one per process
    "shop.users.throttling",  # the sign-in throttle, one per process
}


def test_main_imports_the_domains_routers_and_what_the_users_lifespan_builds() -> None:
    graph = import_graph.build("shop")
    taken = {
        target
        for domain in _domains()
        for module, target in import_graph.imports_from(
            graph, "shop.core", f"shop.{domain}"
        )
        if module == "shop.core.main"
    }

    assert taken == MAIN_TAKES_FROM_DOMAINS
    assert (
        "to include their routers, and to build at start-up what a domain's "
        "requests share: the users domain's password hasher and sign-in throttle"
    ) in prose(PAGE)
    domains_page = prose(PAGE.with_name("domain-packages.md"))
    assert (
        "only `core/main.py` may, to include the routers and build the users "
        "domain's password hasher and sign-in throttle at start-up"
    ) in domains_page
