"""The tests of the code one page quotes.

A page quotes named sections of files: ``--8<-- "path:section"``. The tests
of a quoted section are the test functions that name what it quotes,
directly or through a fixture or helper of their own module:

- A section of the service (``snippets/shop/**.py``) quotes the definitions
  written in it: functions, classes, module constants, and class members
  such as settings fields (a class, not its methods, when the whole class is
  quoted). A fragment of a function body defines nothing, so it quotes the
  service's definitions it uses.
  A test names a module-level definition when its module imports that
  module (or names it in a string, as ``"shop.core.main:create_app"``), and
  a class member when its module uses the service at all. A settings field
  may also be named by its environment variable (``CORS_ORIGINS``).
- A section of a test module: the tests written in it, and the tests of that
  module that use a fixture or helper written in it.
- Any other file (a config file, a script): the tests that name its path or
  its file name in a string.

A test that reaches the code only through a shared fixture (``conftest.py``,
``tests/support``) is not one of them: the app fixture runs nearly all of
the service, so following it would make every page's tests the whole suite.
``task test`` stays the gate for that; this is the fast answer for one page.
"""

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT
from handbook.content.locations import LocatedError, Location
from handbook.content.snippet_sections import sections_in

SERVICE_SOURCE = REPO_ROOT / "snippets" / "shop"
SERVICE_PACKAGE = "shop"
TESTS_DIR = REPO_ROOT / "tests"

Lines = tuple[int, int]
"""A section's marker lines: what it quotes lies strictly between them."""


@dataclass(frozen=True)
class ServiceName:
    """A name the service defines, where, and how a test can spell it."""

    name: str
    module: str
    """The defining module, ``shop.core.config``."""
    member: bool
    """Defined in a class body (a field, a method), not at module level."""
    setting: bool
    """A field of a settings class: also spelt as its environment variable."""


@dataclass
class QuotedCode:
    """What a page's includes quote, as the names its tests would use."""

    service_names: set[ServiceName] = field(default_factory=set)
    file_names: set[str] = field(default_factory=set)
    """Repository paths and file names of the other quoted files."""
    test_sections: dict[Path, list[Lines | None]] = field(default_factory=dict)
    """Quoted sections of test modules, by module (None: the whole module)."""


@dataclass(frozen=True, order=True)
class TestFunction:
    """One test function: ``test_x``, or ``TestClass.test_x`` for a method."""

    module: Path
    qualname: str


def quote(targets: Iterable[tuple[Path, str | None]]) -> QuotedCode:
    """What the included ``(file, section)`` targets quote."""
    quoted = QuotedCode()
    for path, section in targets:
        lines = _section_lines(path, section)
        if path.suffix == ".py" and path.is_relative_to(SERVICE_SOURCE):
            quoted.service_names |= _quoted_names(path, lines)
        elif path.suffix == ".py" and path.is_relative_to(TESTS_DIR):
            quoted.test_sections.setdefault(path, []).append(lines)
        else:
            quoted.file_names |= {path.relative_to(REPO_ROOT).as_posix(), path.name}
    return quoted


def tests_of(quoted: QuotedCode, modules: Iterable[Path]) -> list[TestFunction]:
    """Every test function of ``modules`` that names the quoted code."""
    return [
        TestFunction(module, name)
        for module in modules
        for name in _tests_in(module, quoted)
    ]


# --- What a section quotes --------------------------------------------------


def _section_lines(path: Path, section: str | None) -> Lines | None:
    if section is None:
        return None
    for found in sections_in(path):
        if found.name == section:
            return found.start_line, found.end_line
    raise LocatedError(Location(path, 1), f"no section '{section}' in this file")


def _quoted_names(path: Path, lines: Lines | None) -> set[ServiceName]:
    definitions = _service_definitions(path)
    written = {name for node, name in definitions if _inside(node, lines)}
    if any(not name.member for name in written):
        written = {name for name in written if not name.member}
    if written:
        return written
    # A fragment: the module-level definitions it calls or reads by name,
    # and the members it reads as attributes (``settings.cors_origins``).
    inside = [n for n in ast.walk(_parse(path)) if _starts_inside(n, lines)]
    names = {n.id for n in inside if isinstance(n, ast.Name)}
    attributes = {n.attr for n in inside if isinstance(n, ast.Attribute)}
    return {
        name
        for module in sorted(SERVICE_SOURCE.rglob("*.py"))
        for _, name in _service_definitions(module)
        if name.name in (attributes if name.member else names)
    }


@cache
def _service_definitions(path: Path) -> tuple[tuple[ast.stmt, ServiceName], ...]:
    """Each definition of one service module, at module level or in a class."""
    module = _module_name(path)
    found: list[tuple[ast.stmt, ServiceName]] = []
    for node in _parse(path).body:
        found += [(node, ServiceName(n, module, False, False)) for n in _bound(node)]
        if isinstance(node, ast.ClassDef):
            setting = "BaseSettings" in {n for b in node.bases for n in _spelt(b)}
            found += [
                (member, ServiceName(n, module, True, setting))
                for member in node.body
                for n in _bound(member)
                if not (n.startswith("__") and n.endswith("__"))
            ]
    return tuple(found)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SERVICE_SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _inside(node: ast.stmt, lines: Lines | None) -> bool:
    if lines is None:
        return True
    first = min([node.lineno, *(d.lineno for d in _decorators(node))])
    return lines[0] < first and (node.end_lineno or node.lineno) < lines[1]


def _starts_inside(node: ast.AST, lines: Lines | None) -> bool:
    line = getattr(node, "lineno", None)
    return line is not None and (lines is None or lines[0] < line < lines[1])


# --- Which tests name it ----------------------------------------------------


@dataclass(frozen=True)
class _Definition:
    """A module-level definition of a test module."""

    name: str
    node: ast.stmt
    spelt: frozenset[str]
    tests: tuple[str, ...]
    """The tests it is: a test function's name, a test class's methods."""


def _tests_in(module: Path, quoted: QuotedCode) -> list[str]:
    tree = _parse(module)
    definitions = _test_module_definitions(module)
    service = _service_modules_named(tree)
    reached = {
        d.name
        for d in definitions
        if any(_names_it(d.spelt, n, service) for n in quoted.service_names)
        or not d.spelt.isdisjoint(quoted.file_names)
    }
    for lines in quoted.test_sections.get(module, []):
        reached |= {
            d.name for d in definitions if lines is None or _overlaps(d.node, lines)
        }
    # Through the module's own fixtures and helpers: a definition that names
    # a reached one (a call, a fixture parameter) is reached too.
    while more := {
        d.name
        for d in definitions
        if d.name not in reached and not d.spelt.isdisjoint(reached)
    }:
        reached |= more
    return sorted(t for d in definitions if d.name in reached for t in d.tests)


def _names_it(spelt: frozenset[str], name: ServiceName, service: set[str]) -> bool:
    if name.setting and name.name.upper() in spelt:
        return True
    if name.name not in spelt:
        return False
    if name.setting:
        return bool(service)
    return name.module in service


@cache
def _test_module_definitions(module: Path) -> tuple[_Definition, ...]:
    found = []
    for node in _parse(module).body:
        spelt = frozenset(_spelt(node))
        for name in _bound(node):
            if isinstance(node, ast.ClassDef):
                tests = tuple(
                    f"{name}.{m.name}"
                    for m in node.body
                    if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                    and m.name.startswith("test")
                )
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                tests = (name,) if name.startswith("test") else ()
            else:
                tests = ()
            found.append(_Definition(name, node, spelt, tests))
    return tuple(found)


def _service_modules_named(tree: ast.Module) -> set[str]:
    """The service modules a test module imports or names in a string
    (``"shop.core.main:create_app"``), with every package above them."""
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named.add(node.module)
            named |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named.add(node.value.partition(":")[0])
    service = {n for n in named if n.split(".")[0] == SERVICE_PACKAGE}
    return {
        ".".join(n.split(".")[:i])
        for n in service
        for i in range(1, 1 + len(n.split(".")))
    }


def _overlaps(node: ast.stmt, lines: Lines) -> bool:
    first = min([node.lineno, *(d.lineno for d in _decorators(node))])
    return first < lines[1] and (node.end_lineno or node.lineno) > lines[0]


# --- Reading Python ---------------------------------------------------------


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _bound(node: ast.stmt) -> list[str]:
    """The names a statement defines."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _decorators(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.decorator_list
    return []


def _spelt(node: ast.AST) -> Iterator[str]:
    """Every name spelt anywhere in a node."""
    for child in ast.walk(node):
        yield from _names(child)


def _names(node: ast.AST) -> Iterator[str]:
    """The names one node spells: an identifier, an attribute, a keyword, a
    parameter, a definition, or a string."""
    match node:
        case ast.Name(id=name) | ast.Attribute(attr=name) | ast.arg(arg=name):
            yield name
        case ast.keyword(arg=str() as name):
            yield name
        case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name):
            yield name
        case ast.ClassDef(name=name):
            yield name
        case ast.Constant(value=str() as text):
            yield text
            # An import string: "shop.core.main:create_app" spells create_app.
            module, colon, attribute = text.partition(":")
            if colon and attribute.isidentifier() and _is_dotted(module):
                yield attribute
            # An environment file's lines: ``CORS_ORIGINS=[...]`` spells
            # CORS_ORIGINS.
            for line in text.splitlines():
                variable, equals, _ = line.partition("=")
                if equals and variable.isidentifier():
                    yield variable


def _is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))
