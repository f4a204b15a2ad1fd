"""Evidence for STRUCT-NO-CYCLES: the reference service's imports form no cycle."""

import subprocess
import sys
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from tests.support import import_graph
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "structure" / "no-circular-imports.md"


# --8<-- [start:import-graph]
def test_no_module_of_the_service_imports_itself_back() -> None:
    # grimp reads every import, relative and inside functions included.
    graph = import_graph.build("shop")

    assert import_graph.cycles(graph) == []
    # --8<-- [end:import-graph]


def test_the_graph_sees_the_imports_between_domains() -> None:
    graph = import_graph.build("shop")

    assert graph.direct_import_exists(
        importer="shop.orders.router", imported="shop.users.dependencies"
    )
    assert graph.direct_import_exists(
        importer="shop.users.models", imported="shop.shared.base_model"
    )


@pytest.fixture
def scratch_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch package laid out like the service, importable as scratch_shop."""
    root = tmp_path / "scratch_shop"
    for package in ("", "shared", "users"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "users" / "models.py").write_text("class User: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return root


def _write(package: Path, files: dict[str, str]) -> None:
    """Write each module of ``files`` (path under ``package``: source)."""
    for name, source in files.items():
        (package / name).parent.mkdir(exist_ok=True)
        (package / name).write_text(source)


def _python_imports(package: Path, module: str) -> subprocess.CompletedProcess[str]:
    """Import ``module`` in a fresh interpreter, from the folder ``package`` is in."""
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=package.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_cycle_written_with_relative_imports_is_found(scratch_shop: Path) -> None:
    _write(
        scratch_shop,
        {
            "shared/a.py": "from .b import B\n\n\nclass A: ...\n",
            "shared/b.py": "from .a import A\n\n\nclass B: ...\n",
        },
    )

    graph = import_graph.build("scratch_shop")

    assert import_graph.cycles(graph) == [
        ["scratch_shop.shared.a", "scratch_shop.shared.b"]
    ]
    # And it is a real one: Python fails to import it.
    result = _python_imports(scratch_shop, "scratch_shop.shared.a")
    assert "partially initialized module 'scratch_shop.shared.a'" in result.stderr


def test_a_cycle_through_a_package_init_is_found(scratch_shop: Path) -> None:
    # Importing scratch_shop.orders.pricing runs orders/__init__.py first;
    # grimp records no edge for that, the graph adds it: users.dependencies
    # imports the orders package.
    _write(
        scratch_shop,
        {
            "orders/__init__.py": (
                "from scratch_shop.users.dependencies import current_user\n"
            ),
            "orders/pricing.py": "RATE = 2\n",
            "users/dependencies.py": (
                "from scratch_shop.orders.pricing import RATE\n\n\n"
                "def current_user() -> int:\n    return RATE\n"
            ),
        },
    )

    graph = import_graph.build("scratch_shop")

    assert import_graph.cycles(graph) == [
        ["scratch_shop.orders", "scratch_shop.users.dependencies"]
    ]
    # And it is a real one: Python fails to import it.
    result = _python_imports(scratch_shop, "scratch_shop.users.dependencies")
    assert "partially initialized module 'scratch_shop.users.dependencies'" in (
        result.stderr
    )


def test_a_package_that_re_exports_its_own_module_is_no_cycle(
    scratch_shop: Path,
) -> None:
    # users/__init__.py re-exports User; users/service.py imports it from
    # the package. Python has users/__init__.py running already by then.
    _write(
        scratch_shop,
        {
            "users/__init__.py": (
                "from scratch_shop.users.models import User\n\n__all__ = ['User']\n"
            ),
            "users/service.py": (
                "from scratch_shop.users.models import User\n\n\n"
                "def new_user() -> User:\n    return User()\n"
            ),
        },
    )

    graph = import_graph.build("scratch_shop")

    assert import_graph.cycles(graph) == []
    result = _python_imports(scratch_shop, "scratch_shop.users.service")
    assert result.returncode == 0, result.stderr


def test_a_module_that_imports_from_its_own_package_init_is_in_a_cycle(
    scratch_shop: Path,
) -> None:
    # users/__init__.py imports the model; the model reads a name that
    # users/__init__.py has not defined yet when it imports the model.
    _write(
        scratch_shop,
        {
            "users/__init__.py": (
                "from scratch_shop.users.models import User\n\nTABLE = 'users'\n"
            ),
            "users/models.py": (
                "from scratch_shop.users import TABLE\n\n\n"
                "class User:\n    table = TABLE\n"
            ),
        },
    )

    graph = import_graph.build("scratch_shop")

    assert import_graph.cycles(graph) == [
        ["scratch_shop.users", "scratch_shop.users.models"]
    ]
    result = _python_imports(scratch_shop, "scratch_shop.users")
    assert "partially initialized module 'scratch_shop.users'" in result.stderr


def test_a_cycle_through_an_import_inside_a_function_is_found(
    scratch_shop: Path,
) -> None:
    (scratch_shop / "shared" / "a.py").write_text(
        "from scratch_shop.shared.b import B\n"
    )
    (scratch_shop / "shared" / "b.py").write_text(
        "def load():\n    from scratch_shop.shared import a\n\n    return a\n\n\nclass B: ...\n"
    )

    graph = import_graph.build("scratch_shop")

    assert import_graph.cycles(graph) == [
        ["scratch_shop.shared.a", "scratch_shop.shared.b"]
    ]


def test_a_cycle_through_an_import_for_type_hints_only_is_found(
    scratch_shop: Path,
) -> None:
    # Python runs this pair without an error: the import back is for the
    # type checker only. The page says to keep even that one-way.
    (scratch_shop / "shared" / "a.py").write_text(
        "from scratch_shop.shared.b import B\n\n\nclass A:\n    b: B\n"
    )
    (scratch_shop / "shared" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from scratch_shop.shared.a import A\n\n\n"
        'class B:\n    a: "A"\n'
    )
    imported = _python_imports(scratch_shop, "scratch_shop.shared.a")
    assert imported.returncode == 0, imported.stderr

    graph = import_graph.build("scratch_shop")

    assert import_graph.cycles(graph) == [
        ["scratch_shop.shared.a", "scratch_shop.shared.b"]
    ]
    assert "Don't let two modules import from each other, even for type hints" in (
        prose(PAGE)
    )


def test_two_modules_importing_each_other_fail_with_the_quoted_message(
    tmp_path: Path,
) -> None:
    (tmp_path / "users.py").write_text("from orders import Order\n\nclass User: ...\n")
    (tmp_path / "orders.py").write_text("from users import User\n\nclass Order: ...\n")

    result = subprocess.run(
        [sys.executable, "-c", "import users"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    message = "cannot import name 'User' from partially initialized module 'users' (most likely due to a circular import)"
    assert message in result.stderr
    page = PAGE.read_text()
    assert (
        "#> ImportError: cannot import name 'User' from partially initialized "
        "module 'users'" in page
    )
    assert "#> most likely due to a circular import" in page
    assert "refers to the `users.id` *table* by name" in prose(PAGE)


def _import_users(project: Path, orders: str) -> subprocess.CompletedProcess[str]:
    """Import users.py, which imports orders.py, written as ``orders``."""
    (project / "users.py").write_text("from orders import Order\n\n\nclass User: ...\n")
    (project / "orders.py").write_text(orders)
    return subprocess.run(
        [sys.executable, "-c", "import users, orders; print(orders.owner())"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_an_import_inside_a_function_hides_the_cycle(tmp_path: Path) -> None:
    result = _import_users(
        tmp_path,
        "def owner():\n    from users import User\n\n    return User()\n\n\n"
        "class Order: ...\n",
    )

    assert result.returncode == 0, result.stderr
    assert "<users.User object" in result.stdout
    assert "An import inside a function runs only when the function is called" in (
        prose(PAGE)
    )


def test_import_users_hides_the_cycle_only_where_users_user_is_used_later(
    tmp_path: Path,
) -> None:
    inside_a_function = _import_users(
        tmp_path,
        "import users\n\n\ndef owner():\n    return users.User()\n\n\n"
        "class Order: ...\n",
    )
    in_a_class_annotation = _import_users(
        tmp_path,
        "import users\n\n\nclass Order:\n    owner: users.User\n\n\n"
        "def owner():\n    return users.User()\n",
    )

    assert inside_a_function.returncode == 0, inside_a_function.stderr
    assert "<users.User object" in inside_a_function.stdout
    assert in_a_class_annotation.returncode == 1
    assert "AttributeError: module 'users' has no attribute 'User'" in (
        in_a_class_annotation.stderr
    )
    assert "`AttributeError: module 'users' has no attribute 'User'`" in prose(PAGE)


def test_orders_imports_only_the_interfaces_the_page_names() -> None:
    graph = import_graph.build("shop")
    reached = {
        target
        for other in ("shop.users", "shop.catalog")
        for _, target in import_graph.imports_from(graph, "shop.orders", other)
    }
    importers_of_orders = {
        module
        for module in graph.find_modules_that_directly_import("shop.orders")
        | {
            m
            for child in graph.find_descendants("shop.orders")
            for m in graph.find_modules_that_directly_import(child)
        }
        if not module.startswith("shop.orders")
    }

    assert reached == {"shop.users.dependencies", "shop.catalog.prices"}
    assert importers_of_orders == {"shop.core.main"}
    page = prose(PAGE)
    assert "`users/dependencies.py` (`CurrentUser`) and `catalog/prices.py`" in page
    assert "no domain imports `orders` (only `core/main.py` does" in page
