"""A parsed Python file, with what every own check needs to read it.

``qualified(node)`` turns ``sa.text`` into ``sqlalchemy.text`` through the
file's imports, so a check names what it looks for once, whatever alias the
code uses. ``kind`` tells service code from tests and scripts: some rules
only apply to the code that runs in production.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Literal

Kind = Literal["service", "test", "script"]
TEST_DIRS = {"tests", "test", "testing"}
SCRIPT_DIRS = {"scripts", "bin", "alembic", "migrations", "tools"}
FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)
# The HTTP methods of FastAPI's route decorators (router.get, app.post, ...).
ROUTE_METHODS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "api_route",
}


def kind_of(relative: str) -> Kind:
    """Test, script or service code, from the path relative to the project root."""
    path = PurePosixPath(relative)
    name = path.name
    if (
        TEST_DIRS & set(path.parts[:-1])
        or name.startswith(("test_", "tests_"))
        or name.endswith("_test.py")
        or name == "conftest.py"
    ):
        return "test"
    if SCRIPT_DIRS & set(path.parts[:-1]) or name in ("setup.py", "noxfile.py"):
        return "script"
    return "service"


@dataclass
class PyModule:
    path: Path
    relative: str
    text: str
    tree: ast.Module
    kind: Kind
    imports: dict[str, str] = field(default_factory=dict)
    """Local name to what it stands for: ``sa`` to ``sqlalchemy``."""

    dotted: str = ""
    """The module's import name, from the nearest directory without ``__init__.py``."""

    @classmethod
    def parse(cls, path: Path, relative: str, text: str) -> "PyModule":
        """Raises SyntaxError (with its line) when the file does not parse."""
        tree = ast.parse(text, filename=str(path))
        module = cls(path, relative, text, tree, kind_of(relative))
        module.dotted = module_name(path)
        module.imports = _imports(tree, module.package)
        return module

    @property
    def package(self) -> str:
        """The dotted package this module's relative imports start from."""
        if self.path.name == "__init__.py":
            return self.dotted
        return self.dotted.rpartition(".")[0]

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def qualified(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to, through the imports."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return None if base is None else f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            return self.qualified(node.func)
        return None

    def called(self, node: ast.Call) -> str:
        """The qualified name of what a call calls, or ``''``."""
        return self.qualified(node.func) or ""

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the tree, walked once for all the checks."""
        return list(ast.walk(self.tree))

    @cached_property
    def _functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        return [n for n in self.nodes if isinstance(n, FUNCTION)]

    @cached_property
    def _classes(self) -> list[ast.ClassDef]:
        return [n for n in self.nodes if isinstance(n, ast.ClassDef)]

    @cached_property
    def _routes(self) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Call]]:
        found = []
        for function in self._functions:
            for decorator in function.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr in ROUTE_METHODS
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                    and isinstance(decorator.args[0].value, str)
                    and decorator.args[0].value.startswith("/")
                ):
                    found.append((function, decorator))
                    break
        return found

    def functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        return self._functions

    def classes(self) -> list[ast.ClassDef]:
        return self._classes

    def routes(self) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Call]]:
        """Functions decorated as FastAPI routes, with the decorator call."""
        return self._routes


def module_name(path: Path) -> str:
    """``shop.users.router`` for ``snippets/shop/users/router.py``."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts)


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def has_keyword(call: ast.Call, name: str) -> bool:
    return any(item.arg == name for item in call.keywords) or any(
        item.arg is None
        for item in call.keywords  # **kwargs may carry it
    )


def inside(
    tree: ast.AST, kinds: tuple[type, ...]
) -> Iterator[tuple[ast.AST, ast.AST | None]]:
    """Every node with the innermost enclosing node of one of ``kinds``."""
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, owner = stack.pop()
        yield node, owner
        inner = node if isinstance(node, kinds) else owner
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _imports(tree: ast.Module, package: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = (
                    parts[: len(parts) - node.level + 1] if node.level > 1 else parts
                )
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (
                        f"{base}.{alias.name}" if base else alias.name
                    )
    return names
