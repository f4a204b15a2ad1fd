"""The checker's own rules on Python files: how one is declared and run.

Each module of own rules declares its checks with :func:`check`; the
family below parses every Python file once and runs every enabled check on
it. A check yields ``(node or line, message)``; the place becomes the
finding's line and column.
"""

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from handbook.checker.context import Context
from handbook.checker.findings import Finding, Outcome
from handbook.checker.pysource import PyModule
from handbook.checker.rules import Rule, Stage

Place = ast.AST | int
Hit = tuple[Place, str]
CheckFunction = Callable[[PyModule, "Project"], Iterable[Hit]]

SERVICE = ("service",)
TESTS = ("test",)
PYDANTIC_BASES = {
    "pydantic.BaseModel",
    "pydantic.main.BaseModel",
    "sqlmodel.SQLModel",
    "pydantic_settings.BaseSettings",
}
SETTINGS_BASES = {"pydantic_settings.BaseSettings", "pydantic.BaseSettings"}


@dataclass(frozen=True)
class PythonCheck:
    rule: Rule
    function: CheckFunction
    defers_to: tuple[str, ...] = ()
    """Ruff codes (prefixes end with ``*``) that, found on the same line,
    make this finding a duplicate."""


CHECKS: list[PythonCheck] = []


def own(
    principle_id: str,
    code: str,
    checks: str,
    *,
    applies_to: tuple[str, ...] = ("service", "test", "script"),
    known_problems: str = "",
    stage: Stage = "static",
) -> Rule:
    return Rule(
        principle_id,
        "principles",
        code,
        stage,
        checks,
        known_problems=known_problems,
        applies_to=applies_to,
    )


def check(
    rule: Rule, defers_to: tuple[str, ...] = ()
) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(PythonCheck(rule, function, defers_to))
        return function

    return register


@dataclass
class Project:
    """What a check may ask about the other files: classes and type aliases."""

    modules: list[PyModule]
    classes: dict[str, tuple[PyModule, ast.ClassDef]] = field(default_factory=dict)
    aliases: dict[str, tuple[PyModule, ast.expr]] = field(default_factory=dict)

    _memo: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A project-wide result, computed by the first check that asks."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __post_init__(self) -> None:
        for module in self.modules:
            for node in module.tree.body:
                if isinstance(node, ast.ClassDef):
                    self.classes[f"{module.dotted}.{node.name}"] = (module, node)
                elif (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    self.aliases[f"{module.dotted}.{node.targets[0].id}"] = (
                        module,
                        node.value,
                    )
                elif (
                    isinstance(node, ast.AnnAssign)
                    and isinstance(node.target, ast.Name)
                    and node.value is not None
                ):
                    if (
                        isinstance(node.annotation, ast.Name)
                        and node.annotation.id == "TypeAlias"
                    ):
                        self.aliases[f"{module.dotted}.{node.target.id}"] = (
                            module,
                            node.value,
                        )
                elif isinstance(node, ast.TypeAlias) and isinstance(
                    node.name, ast.Name
                ):
                    self.aliases[f"{module.dotted}.{node.name.id}"] = (
                        module,
                        node.value,
                    )

    def qualified_class(self, module: PyModule, node: ast.expr) -> str | None:
        name = module.qualified(node)
        if name is None:
            return None
        if "." not in name:
            name = f"{module.dotted}.{name}"
        return name

    def bases(self, qualified: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """Every base of a project class, transitively, by qualified name."""
        found = self.classes.get(qualified)
        if found is None or qualified in seen:
            return set()
        module, node = found
        result: set[str] = set()
        for base in node.bases:
            name = self.qualified_class(module, base)
            if name:
                result.add(name)
                result |= self.bases(name, seen | {qualified})
        return result

    def is_model(self, qualified: str) -> bool:
        """A Pydantic model (or SQLModel, or settings) defined in the project."""
        return qualified in self.classes and bool(
            self.bases(qualified) & PYDANTIC_BASES
        )

    def is_settings(self, qualified: str) -> bool:
        return qualified in self.classes and bool(
            self.bases(qualified) & SETTINGS_BASES
        )

    def resolve_alias(
        self, module: PyModule, node: ast.expr, depth: int = 0
    ) -> tuple[PyModule, ast.expr]:
        """Follow ``Email = Annotated[...]``-style aliases to what they stand for."""
        if depth > 10 or not isinstance(node, ast.Name | ast.Attribute):
            return module, node
        name = self.qualified_class(module, node)
        if name in self.aliases:
            target_module, target = self.aliases[name]
            return self.resolve_alias(target_module, target, depth + 1)
        return module, node

    @cached_property
    def settings_classes(self) -> set[str]:
        return {name for name in self.classes if self.is_settings(name)}


def place(node: Place) -> tuple[int, int]:
    if isinstance(node, int):
        return node, 1
    return getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1


def run_checks(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    enabled = [c for c in CHECKS if c.rule in rules]
    if not enabled:
        return outcome
    project = Project(context.python)
    for module in context.python:
        for item in enabled:
            if module.kind not in item.rule.applies_to:
                continue
            for node, message in item.function(module, project):
                line, column = place(node)
                outcome.findings.append(
                    Finding(item.rule, module.path, line, column, message)
                )
    return outcome


def deferred(check_code: str) -> tuple[str, ...]:
    return next((c.defers_to for c in CHECKS if c.rule.code == check_code), ())


# --- Small helpers the checks share.


def string_built(node: ast.expr) -> bool:
    """An f-string with values, a ``%``/``+`` on a string, or ``str.format``."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _stringy(node.left) or _stringy(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _stringy(node.func.value)
    return False


def _stringy(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr) or string_built(node)


def assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """Each simple name assigned in a scope (not in nested functions), with its values."""
    found: dict[str, list[ast.expr]] = {}
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        ):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value
        ):
            found.setdefault(node.target.id, []).append(node.value)
        stack.extend(ast.iter_child_nodes(node))
    return found


def walk_function(function: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        ):
            stack.extend(ast.iter_child_nodes(node))


def constant_number(node: ast.expr | None) -> float | None:
    """The value of a constant arithmetic expression (``60 * 24 * 8``), or None."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    if isinstance(node, ast.BinOp):
        left, right = constant_number(node.left), constant_number(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Pow) and right < 20:
            return float(left**right)
    return None
