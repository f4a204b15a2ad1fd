"""Rules on the import graph, built by grimp: cycles and domain boundaries.

Each application package (a directory with ``__init__.py`` whose parent has
none) is built into a graph, with imports under ``if TYPE_CHECKING:`` left
out: they never run. Every import grimp reports carries its line, so each
finding points at the import to change.

Domain boundaries apply to a package laid out as the handbook lays one out:
``core/`` and ``shared/`` beside domain packages. A domain may import
another domain's package itself or its public modules (``dependencies`` by
default; ``public-modules`` in ``[tool.principles]`` adds others, by name or
dotted path); ``shared`` imports no domain, and ``core`` only in ``main``,
which wires the app.
"""

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

from handbook.checker.context import Context
from handbook.checker.files_repository import LAYER_NAMES, application_packages
from handbook.checker.findings import Finding, NotChecked, Outcome
from handbook.checker.rules import Rule

WIRING = {"main"}


def _rule(principle_id: str, code: str, checks: str, known_problems: str = "") -> Rule:
    return Rule(
        principle_id, "grimp", code, "static", checks, known_problems=known_problems
    )


CYCLE = _rule(
    "STRUCT-NO-CYCLES",
    "import-cycle",
    "A cycle of imports between modules, imports inside functions and the package __init__.py an import runs first included (those under TYPE_CHECKING are not).",
    known_problems="grimp sees imports that resolve inside the package; ones reached through sys.path edits or importlib are not seen.",
)
REACHING_IN = _rule(
    "STRUCT-DOMAINS",
    "cross-domain-import",
    "A domain importing another domain's internals instead of its public modules.",
)
SHARED_TO_DOMAIN = _rule(
    "STRUCT-CORE-SHARED",
    "shared-imports-domain",
    "shared/ importing a domain, or core/ importing one anywhere but main.py.",
)
RULES = (CYCLE, REACHING_IN, SHARED_TO_DOMAIN)


@contextmanager
def _importable(root: Path, name: str) -> Iterator[None]:
    """Make ``name`` resolve to the package under ``root`` for the duration."""
    saved_path = list(sys.path)
    saved_modules = {
        k: v for k, v in sys.modules.items() if k == name or k.startswith(name + ".")
    }
    for key in saved_modules:
        del sys.modules[key]
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
        sys.modules.update(saved_modules)
        importlib.invalidate_caches()


def run_rules(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    if not rules:
        return outcome
    try:
        import grimp
    except ImportError:
        outcome.not_checked.append(
            NotChecked(
                tuple(rules),
                "grimp is not installed (the checker extra installs it)",
                True,
            )
        )
        return outcome
    for package in application_packages(context):
        name = package.name
        try:
            with _importable(package.parent, name):
                spec = importlib.util.find_spec(name)
                found = Path(spec.origin).parent if spec and spec.origin else None
                if found is None or found.resolve() != package.resolve():
                    raise ValueError(
                        f"the name {name!r} resolves to {found}, not {package}"
                    )
                graph = grimp.build_graph(
                    name, exclude_type_checking_imports=True, cache_dir=None
                )
        except Exception as error:  # grimp raises its own and the parser's errors
            outcome.not_checked.append(
                NotChecked(
                    tuple(rules),
                    f"{context.project.relative(package)}: grimp could not build the import graph: {error}",
                    True,
                )
            )
            continue
        edges = {
            m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules
        }
        if CYCLE in rules:
            outcome.findings += _cycles(package, graph, *running_imports(edges))
        boundaries = [r for r in rules if r is not CYCLE]
        if boundaries:
            outcome.findings += _boundaries(context, package, graph, edges, boundaries)
    return outcome


def _file(package: Path, module: str) -> Path:
    parts = module.split(".")[1:]
    candidate = package.joinpath(*parts)
    return (
        candidate / "__init__.py"
        if (candidate / "__init__.py").is_file()
        else candidate.with_suffix(".py")
    )


def _line(graph: Any, importer: str, imported: str) -> int:
    details = graph.get_import_details(importer=importer, imported=imported)
    return min((int(d["line_number"]) for d in details), default=1)


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of two or more modules (Tarjan), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def _shortest_cycle(
    start: str, members: set[str], edges: dict[str, set[str]]
) -> list[str]:
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & members):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return [start, start]


def running_imports(
    edges: dict[str, set[str]],
) -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """What running each module imports, and the import each added edge comes from.

    Importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` first,
    an edge grimp does not record, so a cycle through a package's
    ``__init__.py`` would go unseen. A package the importing module itself
    sits in is left out: it is already being imported, and an ``__init__.py``
    that re-exports its own submodule is no cycle.
    """
    running: dict[str, set[str]] = {}
    through: dict[tuple[str, str], str] = {}
    for importer, named in edges.items():
        running[importer] = set()
        for imported in sorted(named):
            parts = imported.split(".")
            for end in range(len(parts), 0, -1):
                package = ".".join(parts[:end])
                inside = importer == package or importer.startswith(package + ".")
                if package not in edges or (package != imported and inside):
                    continue
                running[importer].add(package)
                through.setdefault((importer, package), imported)
    return running, through


def _cycles(
    package: Path,
    graph: Any,
    edges: dict[str, set[str]],
    through: dict[tuple[str, str], str],
) -> list[Finding]:
    findings = []
    for component in strongly_connected(edges):
        cycle = _shortest_cycle(component[0], set(component), edges)
        importer, imported = cycle[0], cycle[1]
        more = (
            f" ({len(component)} modules in the cycle)"
            if len(component) > len(cycle) - 1
            else ""
        )
        findings.append(
            Finding(
                CYCLE,
                _file(package, importer),
                _line(graph, importer, through.get((importer, imported), imported)),
                1,
                f"import cycle: {_steps(cycle, through)}{more}; make the dependency point one way",
            )
        )
    return findings


def _steps(cycle: list[str], through: dict[tuple[str, str], str]) -> str:
    """The cycle as text; a package reached only through its __init__.py says so."""
    shown = [cycle[0]]
    for importer, imported in pairwise(cycle):
        named = through.get((importer, imported), imported)
        shown.append(
            imported
            if named == imported
            else f"{imported} (its __init__.py, run by importing {named})"
        )
    return " -> ".join(shown)


def _boundaries(
    context: Context,
    package: Path,
    graph: Any,
    edges: dict[str, set[str]],
    rules: list[Rule],
) -> list[Finding]:
    name = package.name
    children = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    if not children & {"core", "shared"} or children & LAYER_NAMES:
        return []
    domains = children - {"core", "shared", "tests"}
    public = context.config.public_modules
    findings = []
    for importer in sorted(edges):
        parts = importer.split(".")
        area = parts[1] if len(parts) > 1 else None
        for imported in sorted(edges[importer]):
            target = imported.split(".")
            if len(target) < 2 or target[1] not in domains or target[1] == area:
                continue
            line = _line(graph, importer, imported)
            path = _file(package, importer)
            if area == "shared" or (area == "core" and parts[-1] not in WIRING):
                if SHARED_TO_DOMAIN in rules:
                    findings.append(
                        Finding(
                            SHARED_TO_DOMAIN,
                            path,
                            line,
                            1,
                            f"{importer} imports the {target[1]} domain ({imported}): shared code and core wiring know no domain",
                        )
                    )
            elif area in domains and REACHING_IN in rules:
                inner = target[2] if len(target) > 2 else None
                if inner is None or inner in public or imported in public:
                    continue
                findings.append(
                    Finding(
                        REACHING_IN,
                        path,
                        line,
                        1,
                        f"{importer} reaches into {imported}: import {name}.{target[1]}'s public interface ({', '.join(public)}) instead",
                    )
                )
    return findings
