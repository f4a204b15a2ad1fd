"""The import graph of a package, as the architecture tests read it.

grimp builds it from every import statement of every module: absolute and
relative ones (``from .b import B``, ``from ..users.models import User``),
at module level or inside a function, in a ``TYPE_CHECKING`` block or not.
A cycle found only through type hints still counts: the page says to keep
imports one-way even there.
"""

import grimp


def build(
    package: str, *, include_external_packages: bool = False
) -> grimp.ImportGraph:
    """The graph of ``package``, found on ``sys.path`` (no cache: always current).

    With ``include_external_packages``, a third-party import appears as its
    top-level package (``sqlalchemy`` for ``sqlalchemy.ext.asyncio``).
    """
    return grimp.build_graph(
        package, cache_dir=None, include_external_packages=include_external_packages
    )


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import one another, directly or not.

    Tarjan's strongly connected components over the direct imports: a
    component of two or more modules, or a module importing itself, is a
    cycle. A module that imports ``a.b.c`` also imports the packages
    ``a.b`` and ``a``: Python runs their ``__init__.py`` first, an edge
    grimp does not record, so a cycle through a package's ``__init__.py``
    counts too. A package the module itself sits in is left out: it is
    already being imported, and an ``__init__.py`` that re-exports its own
    submodule (``from .models import User``) is no cycle.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in _imports_of(graph, module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            self_import = module in _imports_of(graph, module)
            if len(component) > 1 or self_import:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(found)


def _imports_of(graph: grimp.ImportGraph, module: str) -> set[str]:
    """What running ``module`` imports: each module it names and the packages
    above that module, except the packages ``module`` itself is in that it
    does not name (``from shop.catalog import CURRENCY`` in a module of
    ``shop.catalog`` names its package, and reads what its ``__init__.py``
    defines)."""
    named = graph.find_modules_directly_imported_by(module)
    return {
        package
        for imported in named
        for package in _self_and_packages_above(imported)
        if package in graph.modules and not _in(module, package)
    } | (named & set(_self_and_packages_above(module)))


def _self_and_packages_above(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def imports_from(
    graph: grimp.ImportGraph, importer: str, imported: str
) -> set[tuple[str, str]]:
    """(importing module, imported module) for every direct import from a
    module of package ``importer`` to a module of package ``imported``."""
    return {
        (module, target)
        for module in graph.modules
        if _in(module, importer)
        for target in graph.find_modules_directly_imported_by(module)
        if _in(target, imported)
    }
