"""Specification of the package layout: domains meet only through public interfaces,
and a domain's router reaches the database only through its service.

Dependencies point one way (orders -> users' current-user dependency and the
catalog's price list; domains -> shared/core), so no import cycle can form
between packages.
"""

import ast
from itertools import permutations
from pathlib import Path

import pytest

import shop

SHOP_DIR = Path(shop.__file__).parent

# --8<-- [start:public-interfaces]
# What other packages may import from each domain; everything else is internal.
PUBLIC_INTERFACES = {
    "users": ("shop.users.dependencies",),
    "orders": (),
    "catalog": ("shop.catalog.prices",),
}
# --8<-- [end:public-interfaces]


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def _imports_of(
    package: str, *, except_modules: frozenset[str] = frozenset()
) -> set[str]:
    return {
        module
        for path in (SHOP_DIR / package).glob("*.py")
        if path.stem not in except_modules
        for module in _imported_modules(path)
    }


# --8<-- [start:import-rules]
@pytest.mark.parametrize(
    ("importer", "imported"), list(permutations(PUBLIC_INTERFACES, 2))
)
def test_a_domain_uses_another_only_through_its_public_interface(
    importer: str, imported: str
) -> None:
    reaching_in = {
        module
        for module in _imports_of(importer)
        if module.startswith(f"shop.{imported}")
        and module not in PUBLIC_INTERFACES[imported]
    }

    assert reaching_in == set()


@pytest.mark.parametrize("package", ["shared", "core"])
def test_shared_code_and_core_wiring_import_no_domain(package: str) -> None:
    # main.py is the one place that knows every domain: it includes the routers.
    imports = _imports_of(package, except_modules=frozenset({"main"}))

    assert {
        module
        for module in imports
        if module.startswith(tuple(f"shop.{domain}" for domain in PUBLIC_INTERFACES))
    } == set()
    # --8<-- [end:import-rules]


# --8<-- [start:router-rule]
# What a router must not import: it calls its service, which owns the
# session and the repository.
DATABASE_ACCESS = ("sqlalchemy", "shop.core.database")


def _database_access(router: Path) -> set[str]:
    return {
        module
        for module in _imported_modules(router)
        if module.startswith(DATABASE_ACCESS) or module.endswith(".repository")
    }


@pytest.mark.parametrize("domain", list(PUBLIC_INTERFACES))
def test_a_router_reaches_the_database_only_through_its_service(domain: str) -> None:
    router = SHOP_DIR / domain / "router.py"

    assert _database_access(router) == set()
    assert f"shop.{domain}.service" in _imported_modules(router)
    # --8<-- [end:router-rule]


def test_the_router_rule_catches_a_router_that_queries_the_database(
    tmp_path: Path,
) -> None:
    # The catalog router as it was, calling its repository on the session.
    router = tmp_path / "router.py"
    router.write_text(
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from shop.catalog.repository import ProductRepository\n"
        "from shop.core.database import get_db\n"
    )

    assert _database_access(router) == {
        "sqlalchemy.ext.asyncio",
        "shop.catalog.repository",
        "shop.core.database",
    }
