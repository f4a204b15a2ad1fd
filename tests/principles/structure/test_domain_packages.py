"""Evidence for STRUCT-DOMAINS: Code is grouped by business domain, and domains meet through interfaces.

Each test reproduces a claim docs/principles/structure/domain-packages.md makes,
against the real tool, library or service.
"""

import importlib
import inspect
import re
from types import ModuleType
from typing import Any, get_type_hints

from fastapi import FastAPI, params
from httpx import AsyncClient

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.database import get_db
from shop.users.dependencies import CurrentUser, get_current_user
from shop.users.schemas import UserResponse
from tests.support import import_graph
from tests.support.pages import block_titled, prose

DOMAINS_PAGE = DOCS_DIR / "principles" / "structure" / "domain-packages.md"


SNIPPETS = REPO_ROOT / "snippets"


TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ] {3}|    )*)(?:[├└]── )?(?P<name>[^\s#]+)")


def _tree_paths(tree: str) -> set[str]:
    """The paths a ``tree``-style listing shows, relative to its root line."""
    paths: set[str] = set()
    parents: list[str] = []
    for line in tree.splitlines()[1:]:
        match = TREE_LINE.match(line)
        assert match, f"not a tree line: {line!r}"
        depth = len(match["indent"]) // 4
        name = match["name"].rstrip("/")
        parents[depth:] = [name]
        paths.add("/".join(parents))
    return paths


def test_the_domain_tree_on_the_page_is_the_real_layout_of_snippets_shop() -> None:
    shown = _tree_paths(block_titled(DOMAINS_PAGE, "snippets/shop/").source)
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
