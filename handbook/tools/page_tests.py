"""The tests of the code one page quotes.

A page quotes named sections of files: ``--8<-- "path:section"``. The tests
of a quoted section are the test functions (of ``tests/``, outside
``tests/docs``, whose tests of a page are chosen by the page's ID) that
name what it quotes, directly or through a fixture or helper of their own
module:

- A section of Python code (the service, ``snippets/shop/**.py``; a test
  helper, ``tests/support/*.py``; ``throwaway/``; a script; any module not
  a test module) quotes the definitions that start in it (their ``def`` or
  ``class`` line): functions, classes, module constants, and class members
  such as settings fields. A section that starts at a class quotes the
  class, not its methods; a dunder method such as ``__call__``, which no
  test names, stands for its class. A fragment of a function body starts
  no definition, so it quotes what it uses: the module's own definitions
  and those it imports absolutely, by name; the definitions of the modules
  it imports from their package, read as attributes (``from shop.users
  import security``, then ``security.create_access_token``); and the
  members of those classes it reads as attributes
  (``settings.cors_origins``). A fragment of a route handler quotes its
  route too.

  A test names a definition when it spells it (an identifier, an
  attribute, a keyword argument, a fixture parameter, a string) in a
  module that imports the defining module or names it in a string
  (``"shop.core.main:create_app"``). A settings field counts in any test
  module that does so for any module of the service, and also when spelt
  as its environment
  variable (``CORS_ORIGINS``, in a mapping or a ``.env`` line). A route
  handler of an ``APIRouter`` is also named by a request of its method to
  a path of its shape: ``client.get(f"/orders/{order['id']}")``,
  ``client.request("GET", ORDERS + "/7")`` or ``httpx.get(url)`` with a
  full URL, for ``GET /orders/{order_id}``; a HEAD request names a GET
  route, which the service answers. A module outside the service is also
  named by its path or file name in a string, and a script (a module
  outside any package) by its name (``load_script("load_models")``).
  A quoted pytest fixture selects no test by its name: most tests request
  ``session`` or ``client``, and the page's evidence module is what tests
  the fixture.
- A section of a test module (``tests/**/test_*.py``): the tests written in
  it (decorators included), and the tests of that module that use a
  fixture or helper written in it. A whole test module included: all of
  its tests.
- Any other file (a config file, a page): the tests that name its path or
  its file name in a string.

A test that reaches the code only through a shared fixture (``conftest.py``,
``tests/support``) is not one of them: the app fixture runs nearly all of
the service, so following it would make every page's tests the whole suite.
``task test`` stays the gate for all of these; this is the fast answer for
one page.
"""

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from handbook.checker.pysource import module_name
from handbook.content.docs_tree import REPO_ROOT
from handbook.content.locations import LocatedError, Location
from handbook.content.snippet_sections import sections_in

SERVICE_ROOT = REPO_ROOT / "snippets"
"""The service's import root: ``snippets/shop/core/main.py`` is ``shop.core.main``."""
SERVICE_PACKAGE = "shop"
TESTS_DIR = REPO_ROOT / "tests"

Lines = tuple[int, int]
"""A section's marker lines: what it quotes lies strictly between them."""
UrlPath = tuple[str, ...]
"""A URL path a test spells, as segments; a formatted value is ``"{}"``."""
Request = tuple[str, UrlPath]
"""A request a test makes: ``client.get(f"/orders/{order['id']}")``."""
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


@dataclass(frozen=True)
class QuotedName:
    """A definition a page quotes, where it lives, and how a test spells it."""

    name: str
    module: str
    """The defining module, ``shop.core.config``."""
    member: bool
    """Defined in a class body (a field, a method), not at module level."""
    setting: bool
    """A field of a settings class: also spelt as its environment variable."""
    routes: "tuple[Route, ...]" = ()
    """A route handler's methods and path: a test requests it by those."""
    fixture: bool = False
    """A shared pytest fixture, which no test's own name for it selects."""


@dataclass(frozen=True)
class Route:
    """``GET /orders/{order_id}``, as a method and the path's segments."""

    method: str
    segments: UrlPath

    def requested_by(self, requests: frozenset[Request]) -> bool:
        """A request of this method (HEAD for GET: the service answers it
        with the GET handler) to a path of this shape."""
        return any(
            (method == self.method or (method, self.method) == ("head", "get"))
            and len(path) == len(self.segments)
            and all(
                (want.startswith("{") and bool(got)) or got == want
                for got, want in zip(path, self.segments, strict=True)
            )
            for method, path in requests
        )


@dataclass
class QuotedCode:
    """What a page's includes quote, as the names its tests would use."""

    names: set[QuotedName] = field(default_factory=set)
    file_names: set[str] = field(default_factory=set)
    """Repository paths and file names of the quoted files outside the
    service, which a test may name in a string."""
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
        if _is_test_module(path):
            quoted.test_sections.setdefault(path, []).append(lines)
            continue
        if path.suffix == ".py":
            quoted.names |= _quoted_names(path, lines)
        if not path.is_relative_to(SERVICE_ROOT / SERVICE_PACKAGE):
            # The service's modules are imported, never named by path.
            quoted.file_names |= _file_names(path)
    return quoted


def _file_names(path: Path) -> set[str]:
    """How a test names a file: its repository path, its file name (not a
    package's ``__init__.py``, which every package has), a script's name
    (``load_script("load_models")``)."""
    names = set()
    if path.is_relative_to(REPO_ROOT):
        names.add(path.relative_to(REPO_ROOT).as_posix())
    if path.name != "__init__.py":
        names.add(path.name)
    if path.suffix == ".py" and _is_script(path):
        names.add(path.stem)
    return names


def tests_of(quoted: QuotedCode, modules: Iterable[Path]) -> list[TestFunction]:
    """Every test function of ``modules`` that names the quoted code."""
    return [
        TestFunction(module, name)
        for module in modules
        for name in _tests_in(module, quoted)
    ]


def _is_test_module(path: Path) -> bool:
    return (
        path.suffix == ".py"
        and path.name.startswith("test_")
        and path.is_relative_to(TESTS_DIR)
    )


# --- What a section quotes --------------------------------------------------


def _section_lines(path: Path, section: str | None) -> Lines | None:
    if section is None:
        return None
    for found in sections_in(path):
        if found.name == section:
            return found.start_line, found.end_line
    raise LocatedError(Location(path, 1), f"no section '{section}' in this file")


def _quoted_names(path: Path, lines: Lines | None) -> set[QuotedName]:
    """The definitions a section of a Python module quotes (the rules are in
    the module docstring)."""
    definitions = _definitions_of(path)
    started = {name for node, name in definitions if _starts_in(node, lines)}
    if any(not name.member for name in started):
        started = {name for name in started if not name.member}
    if started:
        return started
    # A fragment: the definitions it calls or reads by name, its module's own
    # or imported; those of the modules it imports, read as attributes; and
    # the members it reads as attributes, of its module's classes or of the
    # modules it imports from.
    inside = [n for n in ast.walk(_parse(path)) if _starts_in(n, lines)]
    names = {n.id for n in inside if isinstance(n, ast.Name)}
    attributes = {n.attr for n in inside if isinstance(n, ast.Attribute)}
    reachable = [path, *_imported_files(path)]
    used = {
        name
        for module in reachable
        for _, name in _definitions_of(module)
        if name.name in (attributes if name.member else names)
        and (module == path or name.member or name.name in _imported_names(path))
    }
    used |= {
        name
        for module in _imported_modules(path)
        for _, name in _definitions_of(module)
        if not name.member and name.name in attributes
    }
    # A fragment of a route handler is requested with the handler's route.
    enclosing = {
        name
        for node, name in definitions
        if name.routes and lines and node.lineno < lines[0] < _end(node)
    }
    return used | enclosing


def _end(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


@cache
def _definitions_of(path: Path) -> tuple[tuple[ast.stmt, QuotedName], ...]:
    """Each definition of one module, at module level or in a class."""
    module = module_name(path)
    tree = _parse(path)
    prefixes = _router_prefixes(tree)
    constants = _string_constants(tree)
    found: list[tuple[ast.stmt, QuotedName]] = []
    for node in tree.body:
        routes = _routes(node, prefixes, constants)
        fixture = "fixture" in set(_spelt_in(_decorators(node)))
        found += [
            (node, QuotedName(n, module, False, False, routes, fixture))
            for n in _bound(node)
        ]
        if isinstance(node, ast.ClassDef):
            setting = "BaseSettings" in set(_spelt_in(node.bases))
            for member in node.body:
                for name in _bound(member):
                    # A dunder method stands for its class: tests call it
                    # through the class (`await middleware(scope, ...)`).
                    found.append(
                        (member, QuotedName(node.name, module, False, False))
                        if name.startswith("__") and name.endswith("__")
                        else (member, QuotedName(name, module, True, setting))
                    )
    return tuple(found)


def _router_prefixes(tree: ast.Module) -> dict[str, str]:
    """``router = APIRouter(prefix="/orders")``: each router and its prefix
    (a router whose prefix is not a string the module spells is left out)."""
    constants = _string_constants(tree)
    prefixes = {}
    for node in tree.body:
        match node:
            case ast.Assign(targets=[ast.Name(id=name)], value=ast.Call() as call) | (
                ast.AnnAssign(target=ast.Name(id=name), value=ast.Call() as call)
            ) if _callee(call) == "APIRouter":
                given = {k.arg: k.value for k in call.keywords}
                prefix = _text(given["prefix"], constants) if "prefix" in given else ""
                if prefix is not None:
                    prefixes[name] = prefix
    return prefixes


def _routes(
    node: ast.stmt, prefixes: dict[str, str], constants: dict[str, str]
) -> tuple[Route, ...]:
    """``@router.get("/{order_id}")`` on a handler: its methods and path."""
    routes: list[Route] = []
    for decorator in _decorators(node):
        match decorator:
            case ast.Call(func=ast.Attribute(value=ast.Name(id=router), attr=verb)) if (
                router in prefixes
            ):
                given = {k.arg: k.value for k in decorator.keywords}
                path_node = decorator.args[0] if decorator.args else given.get("path")
                path = _text(path_node, constants) if path_node else None
                if path is None:
                    continue
                methods = [verb] if verb in HTTP_METHODS else []
                listed = given.get("methods")
                if verb == "api_route" and isinstance(listed, ast.List):
                    methods = [
                        m.value.lower()
                        for m in listed.elts
                        if isinstance(m, ast.Constant) and isinstance(m.value, str)
                    ]
                segments = _segments(prefixes[router] + path)
                routes += [Route(method, segments) for method in methods]
    return tuple(routes)


def _callee(call: ast.Call) -> str | None:
    match call.func:
        case ast.Name(id=name) | ast.Attribute(attr=name):
            return name
    return None


def _segments(path: str) -> UrlPath:
    return tuple(path.partition("?")[0].rstrip("/").split("/"))


def _is_script(path: Path) -> bool:
    """A module outside any package (``snippets/scripts/load_models.py``):
    run or loaded by its path, under its own name (``module_name`` gives
    it that name too)."""
    return not (path.parent / "__init__.py").is_file()


@cache
def _imports_of(path: Path) -> tuple[tuple[str, str], ...]:
    """``(module, name)`` of each ``from module import name`` of a module."""
    return tuple(
        (node.module, alias.asname or alias.name)
        for node in _parse(path).body
        if isinstance(node, ast.ImportFrom) and node.module and not node.level
        for alias in node.names
    )


def _imported_names(path: Path) -> set[str]:
    return {name for _, name in _imports_of(path)}


def _imported_files(path: Path) -> list[Path]:
    """The repository's own modules a module imports from."""
    return [
        found
        for module in sorted({module for module, _ in _imports_of(path)})
        if (found := _module_file(module)) is not None
    ]


def _imported_modules(path: Path) -> list[Path]:
    """The repository's own modules a module imports as a name:
    ``from shop.users import security`` (then ``security.hash_password``)."""
    return [
        found
        for module, name in _imports_of(path)
        if (found := _module_file(f"{module}.{name}")) is not None
    ]


def _module_file(module: str) -> Path | None:
    relative = Path(*module.split("."))
    for root in (SERVICE_ROOT, REPO_ROOT):
        for candidate in (root / f"{relative}.py", root / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _starts_in(node: ast.AST, lines: Lines | None) -> bool:
    """A node starts in the section: its first line (a definition's ``def``
    or ``class`` line, its decorators aside) lies between the markers."""
    line = getattr(node, "lineno", None)
    return line is not None and (lines is None or lines[0] < line < lines[1])


# --- Which tests name it ----------------------------------------------------


@dataclass(frozen=True)
class _Definition:
    """A module-level definition of a test module."""

    name: str
    node: ast.stmt
    spelt: frozenset[str]
    requests: frozenset[Request]
    """The requests it makes: ``client.get(f"/orders/{order_id}")``."""
    tests: tuple[str, ...]
    """The tests it is: a test function's name, a test class's methods."""


def _tests_in(module: Path, quoted: QuotedCode) -> list[str]:
    definitions = _test_module_definitions(module)
    named = _modules_named(module)
    reached = {
        d.name
        for d in definitions
        if any(_names_it(d, n, named) for n in quoted.names)
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


def _names_it(definition: _Definition, name: QuotedName, named: set[str]) -> bool:
    spelt = definition.spelt
    if name.fixture:
        return False
    if any(route.requested_by(definition.requests) for route in name.routes):
        return True
    if name.setting and name.name.upper() in spelt:
        return True
    if name.name not in spelt:
        return False
    if name.setting:
        return any(n.split(".")[0] == SERVICE_PACKAGE for n in named)
    return name.module in named


@cache
def _test_module_definitions(module: Path) -> tuple[_Definition, ...]:
    found = []
    tree = _parse(module)
    constants = _string_constants(tree)
    for node in tree.body:
        spelt = frozenset(_spelt_in([node]))
        requests = frozenset(_requests_in(node, constants))
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
            found.append(_Definition(name, node, spelt, requests, tests))
    return tuple(found)


@cache
def _modules_named(module: Path) -> set[str]:
    """The modules a test module imports or names in a dotted string
    (``"shop.core.main:create_app"``); ``from shop.core import config``
    names ``shop.core.config`` too."""
    named: set[str] = set()
    for node in ast.walk(_parse(module)):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named.add(node.module)
            named |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # "shop.core.main:create_app", or a module's dotted name as
            # `python -m` takes it; not a host, a logger or a database name
            # ("shop.example", "shop.access", "shop").
            dotted, colon, _ = node.value.partition(":")
            if _is_dotted(dotted) and (
                colon or ("." in dotted and _module_file(dotted))
            ):
                named.add(dotted)
    return named


def _overlaps(node: ast.stmt, lines: Lines) -> bool:
    first = min([node.lineno, *(d.lineno for d in _decorators(node))])
    return first < lines[1] and (node.end_lineno or node.lineno) > lines[0]


# --- Reading Python ---------------------------------------------------------


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_bytes(), filename=str(path))


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


def _spelt_in(nodes: Iterable[ast.AST]) -> Iterator[str]:
    """Every name spelt anywhere in the nodes."""
    for node in nodes:
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


def _requests_in(node: ast.AST, constants: dict[str, str]) -> Iterator[Request]:
    """The requests a node makes: ``client.get(path)``, ``client.request("GET",
    path)``; a full URL is its path, a formatted value a ``"{}"`` segment."""
    for call in ast.walk(node):
        match call:
            case ast.Call(func=ast.Attribute(attr=verb), args=[first, *rest]):
                if verb in HTTP_METHODS:
                    method, target = verb, first
                elif verb == "request" and rest:
                    method, target = (_text(first, constants) or "").lower(), rest[0]
                else:
                    continue
                url = _text(target, constants, unknown="{}")
                if url is not None and (path := _url_path(url)) is not None:
                    yield method, path


def _url_path(url: str) -> UrlPath | None:
    scheme, found, rest = url.partition("://")
    if found and scheme.isalpha():
        url = "/" + rest.partition("/")[2]
    return _segments(url) if url.startswith("/") else None


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` constants: ``ORDERS = "/orders"``."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _text(
    node: ast.expr, constants: dict[str, str], unknown: str | None = None
) -> str | None:
    """The string an expression spells: a literal, a module constant, an
    f-string or a sum of them; any other part is ``unknown`` (None: no
    string)."""
    match node:
        case ast.Constant(value=str() as text):
            return text
        case ast.Name(id=name) if name in constants:
            return constants[name]
        case ast.JoinedStr(values=values):
            parts = [
                _text(v.value if isinstance(v, ast.FormattedValue) else v, constants)
                for v in values
            ]
            return "".join(p if p is not None else "{}" for p in parts)
        case ast.BinOp(left=left, op=ast.Add(), right=right):
            head = _text(left, constants, unknown)
            tail = _text(right, constants, unknown)
            return None if head is None or tail is None else head + tail
    return unknown


def _is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))
