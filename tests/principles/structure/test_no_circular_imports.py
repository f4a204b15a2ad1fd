"""Evidence for STRUCT-NO-CYCLES: the reference service's imports form no cycle."""

import ast
import subprocess
import sys
from pathlib import Path

from claims_support import prose

import shop
from handbook.docs_tree import DOCS_DIR

PAGE = DOCS_DIR / "principles" / "structure" / "no-circular-imports.md"
SHOP = Path(shop.__file__).parent


# --8<-- [start:import-graph]
def _module_name(path: Path) -> str:
    parts = path.relative_to(SHOP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _shop_imports(path: Path) -> set[str]:
    """The shop modules ``path`` imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in SHOP.rglob("*.py")}
    return {
        name: _shop_imports(path) & modules.keys() for name, path in modules.items()
    }


def test_no_module_of_the_service_imports_itself_back() -> None:
    graph = import_graph()

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for module in graph[start] - seen:
            seen.add(module)
            if module == target or reaches(module, target, seen):
                return True
        return False

    assert [name for name in graph if reaches(name, name, set())] == []
    # --8<-- [end:import-graph]


def test_the_graph_sees_the_imports_between_domains() -> None:
    graph = import_graph()

    assert "shop.users.dependencies" in graph["shop.orders.router"]
    assert "shop.shared.base_model" in graph["shop.users.models"]


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
        "#> cannot import name 'User' from partially initialized module 'users'" in page
    )
    assert "#> most likely due to a circular import" in page
    assert "refers to the `users.id` *table* by name" in prose(PAGE)
