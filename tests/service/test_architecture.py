"""Specification of the package layout: domains meet only through public interfaces,
and a domain's router reaches the database only through its service.

Today dependencies between domains point one way (orders -> users' current-user
dependency and the catalog's price list; domains -> shared/core), and
ALLOWED_DOMAIN_IMPORTS pins that set: a new edge between domains fails here
until it is added in review. That set has no cycle, but these rules do not
rule out every cycle (one inside a domain, or a domain importing core.main,
which imports every domain): tests/principles/structure/test_no_circular_imports.py
is what fails on any import cycle.
"""

from itertools import permutations
from pathlib import Path

import pytest
from grimp import ImportGraph

from tests.support import import_graph

# --8<-- [start:public-interfaces]
# What other packages may import from each domain; everything else is internal.
PUBLIC_INTERFACES = {
    "users": ("shop.users.dependencies",),
    "orders": (),
    "catalog": ("shop.catalog.prices",),
}
# --8<-- [end:public-interfaces]


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    """Every import of the service, relative ones resolved (see import_graph)."""
    return import_graph.build("shop")


@pytest.fixture(scope="module")
def graph_with_libraries() -> ImportGraph:
    """The same graph with the third-party packages each module imports."""
    return import_graph.build("shop", include_external_packages=True)


# --8<-- [start:import-rules]
@pytest.mark.parametrize(
    ("importer", "imported"), list(permutations(PUBLIC_INTERFACES, 2))
)
def test_a_domain_uses_another_only_through_its_public_interface(
    graph: ImportGraph, importer: str, imported: str
) -> None:
    reaching_in = {
        (module, target)
        for module, target in import_graph.imports_from(
            graph, f"shop.{importer}", f"shop.{imported}"
        )
        if target not in PUBLIC_INTERFACES[imported]
    }

    assert reaching_in == set()


# --8<-- [start:lead-no-domain]
@pytest.mark.parametrize("package", ["shared", "core"])
def test_shared_code_and_core_wiring_import_no_domain(
    graph: ImportGraph, package: str
) -> None:
    # main.py is the one place that knows every domain: it includes the routers.
    imports = {
        (module, target)
        for domain in PUBLIC_INTERFACES
        for module, target in import_graph.imports_from(
            graph, f"shop.{package}", f"shop.{domain}"
        )
        if module != "shop.core.main"
    }

    assert imports == set()
    # --8<-- [end:lead-no-domain]
    # --8<-- [end:import-rules]


# --8<-- [start:domain-edges]
# Which domain imports which today; a new edge is a design decision.
ALLOWED_DOMAIN_IMPORTS = {("orders", "users"), ("orders", "catalog")}


def test_domains_import_each_other_only_along_the_allowed_edges(
    graph: ImportGraph,
) -> None:
    edges = {
        (importer, imported)
        for importer, imported in permutations(PUBLIC_INTERFACES, 2)
        if import_graph.imports_from(graph, f"shop.{importer}", f"shop.{imported}")
    }

    assert edges == ALLOWED_DOMAIN_IMPORTS
    # --8<-- [end:domain-edges]


# --8<-- [start:router-rule]
# What a router must not import: it calls its service, which owns the
# session and the repository.
DATABASE_LIBRARIES = {"sqlalchemy", "asyncpg"}
DATABASE_MODULES = (".core.database", ".repository")


def _database_access(graph: ImportGraph, router: str) -> set[str]:
    return {
        module
        for module in graph.find_modules_directly_imported_by(router)
        if module in DATABASE_LIBRARIES or module.endswith(DATABASE_MODULES)
    }


@pytest.mark.parametrize("domain", list(PUBLIC_INTERFACES))
def test_a_router_reaches_the_database_only_through_its_service(
    graph_with_libraries: ImportGraph, domain: str
) -> None:
    router = f"shop.{domain}.router"
    imported = graph_with_libraries.find_modules_directly_imported_by(router)

    assert _database_access(graph_with_libraries, router) == set()
    assert f"shop.{domain}.service" in imported
    # --8<-- [end:router-rule]


def test_the_router_rule_catches_a_router_that_queries_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The catalog router as it was, calling its repository on the session,
    # in a scratch package laid out like the service.
    package = tmp_path / "shop_before"
    for module in ("catalog/repository", "core/database"):
        (package / module).parent.mkdir(parents=True, exist_ok=True)
        (package / module).with_suffix(".py").write_text("")
    for folder in (package, package / "catalog", package / "core"):
        (folder / "__init__.py").write_text("")
    (package / "catalog" / "router.py").write_text(
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from .repository import ProductRepository\n"
        "from shop_before.core.database import get_db\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    graph = import_graph.build("shop_before", include_external_packages=True)

    assert _database_access(graph, "shop_before.catalog.router") == {
        "sqlalchemy",
        "shop_before.catalog.repository",
        "shop_before.core.database",
    }
