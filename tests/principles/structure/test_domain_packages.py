"""Evidence for STRUCT-DOMAINS: Code is grouped by business domain, and domains meet through interfaces.

Each test reproduces a claim docs/principles/structure/domain-packages.md makes,
against the real tool, library or service.
"""

import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, get_type_hints

import pytest
from fastapi import FastAPI, params
from httpx import AsyncClient

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from shop.core.database import get_db
from shop.users.dependencies import CurrentUser, get_current_user
from shop.users.schemas import UserResponse
from tests.support import import_graph
from tests.support.pages import block_titled, prose, run_as_written, tree_paths

DOMAINS_PAGE = DOCS_DIR / "principles" / "structure" / "domain-packages.md"


SNIPPETS = REPO_ROOT / "snippets"
ARCHITECTURE_TEST = REPO_ROOT / "tests" / "service" / "test_architecture.py"


def test_the_domain_tree_on_the_page_is_the_real_layout_of_snippets_shop() -> None:
    shown = tree_paths(block_titled(DOMAINS_PAGE, "snippets/shop/").source)
    shop = SNIPPETS / "shop"
    real = {
        path.relative_to(shop).as_posix()
        for path in shop.rglob("*")
        if "__pycache__" not in path.parts
    }

    assert shown == real, (
        f"{DOMAINS_PAGE}: the tree is out of date; "
        f"missing {sorted(real - shown)}, not there {sorted(shown - real)}"
    )


async def test_the_signed_in_user_reaches_handlers_as_the_schema_not_the_model(
    app: FastAPI, client: AsyncClient, alice: dict[str, Any]
) -> None:
    received: list[object] = []

    @app.get("/whoami")
    async def whoami(current_user: CurrentUser) -> None:
        received.append(current_user)

    response = await client.get("/whoami", headers=alice["headers"])

    assert response.status_code == 200, response.text
    assert [type(user) for user in received] == [UserResponse]
    assert get_type_hints(get_current_user)["return"] is UserResponse
    assert "returns the public `UserResponse` schema, never the ORM model" in prose(
        DOMAINS_PAGE
    )


def _functions_taking_get_db(module: ModuleType) -> list[str]:
    """The module's own functions with a parameter declared ``Depends(get_db)``."""
    return [
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and any(
            isinstance(marker, params.Depends) and marker.dependency is get_db
            for hint in get_type_hints(function, include_extras=True).values()
            for marker in getattr(hint, "__metadata__", ())
        )
    ]


def test_every_domains_dependencies_take_the_session_from_core_database() -> None:
    graph = import_graph.build("shop")
    domains = sorted(
        path.name
        for path in (SNIPPETS / "shop").iterdir()
        if (path / "__init__.py").exists() and path.name not in {"core", "shared"}
    )
    assert domains
    for domain in domains:
        dependencies = f"shop.{domain}.dependencies"
        assert dependencies in graph.modules
        imported = graph.find_modules_directly_imported_by(dependencies)
        assert "shop.core.database" in imported, domain
        # Imported and used: a dependency of the domain declares the session
        # as core's get_db, not one it builds itself.
        assert _functions_taking_get_db(importlib.import_module(dependencies)), domain
    assert "`core/database.py` is the wiring every domain's dependencies use" in (
        prose(DOMAINS_PAGE)
    )


def _imports_listing() -> str:
    """The page's example that lists the orders package's imports of users."""
    for block in find_fences(DOMAINS_PAGE):
        if block.language == "python" and "find_descendants" in block.source:
            return block.source
    raise LookupError(f"{DOMAINS_PAGE}: no example lists the imports of orders")


def test_the_import_listing_finds_relative_and_plain_imports_too(
    tmp_path: Path,
) -> None:
    """The example run against a `shop` package written every way Python
    allows: a relative import of a sibling (`from . import`, no module name),
    one of the users domain (`from ..users`), and a plain `import`."""
    modules = {
        "__init__.py": "",
        "users/__init__.py": "",
        "users/models.py": "",
        "users/dependencies.py": "CurrentUser = object\n",
        "orders/__init__.py": "",
        "orders/schemas.py": "",
        "orders/router.py": "from . import schemas\n"
        "from ..users.dependencies import CurrentUser\n",
        "orders/service.py": "import shop.users.models\n",
    }
    for name, text in modules.items():
        path = tmp_path / "shop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    # Run from tmp_path: its `shop` comes first on sys.path (`-c` puts the
    # working directory there), before the service's.
    result = subprocess.run(
        [sys.executable, "-c", _imports_listing()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "shop.orders.router -> shop.users.dependencies",
        "shop.orders.service -> shop.users.models",
    ]
    assert "resolves relative imports" in prose(DOMAINS_PAGE)


def test_a_new_edge_between_domains_fails_only_the_allowed_edges_test(
    tmp_path: Path,
) -> None:
    """users importing the catalog's public interface: every other rule
    allows it, so only the pinned set of edges catches it."""
    source_root = tmp_path / "snippets"
    shutil.copytree(
        SNIPPETS / "shop",
        source_root / "shop",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (source_root / "shop" / "users" / "discounts.py").write_text(
        "from shop.catalog.prices import PriceList\n"
    )
    shutil.copy(ARCHITECTURE_TEST, tmp_path / "test_architecture.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(source_root)},
        capture_output=True,
        text=True,
        check=False,
    )

    failed = re.findall(r"^FAILED test_architecture.py::(\w+)", result.stdout, re.M)
    assert failed == ["test_domains_import_each_other_only_along_the_allowed_edges"], (
        result.stdout
    )
    text = prose(DOMAINS_PAGE)
    assert "Today dependencies point one way: `orders` → `users.dependencies`, " in text
    assert "a new one (users importing `catalog.prices`, say) fails" in text


def _grep_orders_for_users(cwd: Path) -> list[str]:
    """The search the page's How to check gives, run as written."""
    match = re.search(r"`(grep -rnE .+? snippets/shop/orders)`", prose(DOMAINS_PAGE))
    assert match, f"{DOMAINS_PAGE}: no grep command in How to check"
    return run_as_written(match[1], cwd)


def test_the_pages_search_lists_only_the_users_dependencies_in_orders() -> None:
    found = _grep_orders_for_users(REPO_ROOT)

    assert found
    assert all("shop.users.dependencies import" in line for line in found), found
    assert "it should list only `shop.users.dependencies`" in prose(DOMAINS_PAGE)


@pytest.mark.parametrize(
    "import_line",
    [
        "from shop.users.models import User",
        "from ..users.models import User",
        "from ..users import models",
        "import shop.users.service",
    ],
)
def test_the_pages_search_finds_every_way_of_importing_users(
    tmp_path: Path, import_line: str
) -> None:
    orders = tmp_path / "snippets" / "shop" / "orders"
    orders.mkdir(parents=True)
    (orders / "service.py").write_text(f"{import_line}\n")

    assert _grep_orders_for_users(tmp_path) == [
        f"snippets/shop/orders/service.py:1:{import_line}"
    ]
