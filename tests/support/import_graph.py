"""The import graph of a package, as the architecture tests read it.

grimp builds it from every import statement of every module: absolute and
relative ones (``from .b import B``, ``from ..users.models import User``),
at module level or inside a function, in a ``TYPE_CHECKING`` block or not.
A cycle found only through type hints still counts: the page says to keep
imports one-way even there.
"""

import grimp

from handbook.checker.imports import running_imports, strongly_connected


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

    The strongly connected components of what running each module imports,
    as the handbook's checker computes them (``running_imports``): a
    component of two or more modules, or a module importing itself, is a
    cycle. A module that imports ``a.b.c`` also imports the packages
    ``a.b`` and ``a``: Python runs their ``__init__.py`` first, an edge
    grimp does not record, so a cycle through a package's ``__init__.py``
    counts too. A package the module itself sits in is left out unless the
    module names it: it is already being imported, and an ``__init__.py``
    that re-exports its own submodule (``from .models import User``) is no
    cycle.
    """
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    running, _ = running_imports(edges)
    self_imports = [[module] for module in running if module in running[module]]
    return sorted(strongly_connected(running) + self_imports)


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
