"""The house: which top-level package of this repository may import which.

The arrows point one way. ``shop`` (the reference service) and
``throwaway`` (the servers tests and benchmarks start) import nothing of
ours; ``benchmarks`` measures the service on those servers; ``handbook``
builds the site and reads the benchmarks' results file; ``tests`` may use
everything, and nothing imports ``tests``, so no shipped package (the wheel
holds handbook, shop, benchmarks and throwaway) needs the test suite.

Inside ``handbook`` the sub-packages are floors of the same house:
``content`` at the bottom, ``checker`` and ``checks`` on it, ``site`` on
``content`` and ``checker``, ``tools`` at the top.
"""

import importlib.util
import re
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

from handbook.content.docs_tree import REPO_ROOT

# Each package, and the packages of this repository it may import.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "tests": frozenset({"handbook", "benchmarks", "throwaway", "shop"}),
    "handbook": frozenset({"benchmarks"}),
    "benchmarks": frozenset({"shop", "throwaway"}),
    "throwaway": frozenset(),
    "shop": frozenset(),
}
# The one module of benchmarks the site reads: the results file. The rest
# of benchmarks starts servers and load generators the build never needs.
HANDBOOK_READS_FROM_BENCHMARKS = frozenset({"benchmarks.results"})

# Each sub-package of handbook, and the modules of ours outside it that it
# may import (a package, or one module). The content model is the floor: it
# imports none of the others. The checker shows no page; the site shows
# which checker rules check each principle; the checks and the build never
# run a developer command; only the build reads the benchmark results.
HANDBOOK_MAY_IMPORT: dict[str, frozenset[str]] = {
    "handbook.content": frozenset(),
    "handbook.checker": frozenset({"handbook.content"}),
    "handbook.checks": frozenset({"handbook.content"}),
    "handbook.site": frozenset(
        {"handbook.content", "handbook.checker", "benchmarks.results"}
    ),
    "handbook.tools": frozenset(
        {"handbook.content", "handbook.checker", "handbook.checks", "handbook.site"}
    ),
}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(
        *MAY_IMPORT, cache_dir=None, include_external_packages=True
    )


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _where(graph: grimp.ImportGraph, importer: str, imported: str) -> list[str]:
    """``path:line: the import statement`` for each import of ``imported``."""
    spec = importlib.util.find_spec(importer)
    origin = Path(spec.origin) if spec and spec.origin else Path(importer)
    path = origin.relative_to(REPO_ROOT) if origin.is_absolute() else origin
    return [
        f"{path}:{detail['line_number']}: {detail['line_contents']}"
        for detail in graph.get_import_details(importer=importer, imported=imported)
    ]


def _is_ours(top_level: str) -> bool:
    """Whether an import grimp calls external resolves into this checkout, or
    nowhere.

    A bare ``import shop_fixtures`` works only with a folder of tests/ on
    sys.path, as it was before tests/ became a package: it is the test suite
    all the same. Installed packages live under .venv.
    """
    spec = importlib.util.find_spec(top_level)
    if spec is None:
        return True
    # Built-in modules have an origin ("built-in") that is no path.
    places = [spec.origin] if spec.origin and spec.has_location else []
    places += list(spec.submodule_search_locations or [])
    venv = REPO_ROOT / ".venv"
    return any(
        Path(place).resolve().is_relative_to(REPO_ROOT)
        and not Path(place).resolve().is_relative_to(venv)
        for place in places
    )


def layer_violations(graph: grimp.ImportGraph) -> list[str]:
    """Every import from one package of ours to another that the table forbids."""
    found: list[str] = []
    for importer in sorted(graph.modules):
        package = _top(importer)
        if package not in MAY_IMPORT:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            target = _top(imported)
            if target == package:
                continue
            if target in MAY_IMPORT:
                allowed = target in MAY_IMPORT[package]
            else:
                allowed = not _is_ours(target) and target != "tests"
            if allowed and package == "handbook" and target == "benchmarks":
                allowed = imported in HANDBOOK_READS_FROM_BENCHMARKS
            if not allowed:
                found += [
                    f"{line}  ({package} may not import {imported})"
                    for line in _where(graph, importer, imported)
                ]
    return found


def test_each_package_imports_only_the_packages_below_it() -> None:
    violations = layer_violations(_graph())

    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_the_allowed_arrows_never_lead_back_to_where_they_start(package: str) -> None:
    """Following the allowed arrows from a package never leads back to it."""
    seen: set[str] = set()
    frontier = set(MAY_IMPORT[package])
    while frontier:
        current = frontier.pop()
        assert current in MAY_IMPORT, f"{current} is not in the table"
        if current not in seen:
            seen.add(current)
            frontier |= MAY_IMPORT[current]

    assert package not in seen


def _within(module: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` that is ``module`` or a package holding it."""
    return next(
        (name for name in names if module == name or module.startswith(f"{name}.")),
        None,
    )


def handbook_layer_violations(graph: grimp.ImportGraph) -> list[str]:
    """Every import between handbook's sub-packages (or from one into
    benchmarks) that ``HANDBOOK_MAY_IMPORT`` forbids."""
    found: list[str] = []
    for importer in sorted(graph.modules):
        floor = _within(importer, HANDBOOK_MAY_IMPORT)
        if floor is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if _top(imported) not in {"handbook", "benchmarks"}:
                continue  # the table of top-level packages rules on those
            if _within(imported, [floor, *HANDBOOK_MAY_IMPORT[floor]]):
                continue
            found += [
                f"{line}  ({floor} may not import {imported})"
                for line in _where(graph, importer, imported)
            ]
    return found


def test_each_handbook_sub_package_imports_only_the_ones_below_it() -> None:
    violations = handbook_layer_violations(_graph())

    assert not violations, "\n".join(violations)


def test_every_module_of_handbook_lives_in_a_sub_package_of_the_table() -> None:
    graph = _graph()
    homeless = sorted(
        module
        for module in graph.find_descendants("handbook")
        if _within(module, HANDBOOK_MAY_IMPORT) is None
        and module not in HANDBOOK_MAY_IMPORT
    )

    assert not homeless, f"put each in a sub-package of handbook: {homeless}"


@pytest.mark.parametrize("floor", sorted(HANDBOOK_MAY_IMPORT))
def test_the_handbook_arrows_never_lead_back_to_where_they_start(floor: str) -> None:
    seen: set[str] = set()
    frontier = {f for f in HANDBOOK_MAY_IMPORT[floor] if f in HANDBOOK_MAY_IMPORT}
    while frontier:
        current = frontier.pop()
        if current not in seen:
            seen.add(current)
            frontier |= HANDBOOK_MAY_IMPORT[current] & HANDBOOK_MAY_IMPORT.keys()

    assert floor not in seen


def _readme_house() -> dict[str, frozenset[str]]:
    """The README's Architecture section: each package and what it may import."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    house = {}
    for line in section.splitlines():
        if match := re.match(r"- `(\w+)`.*Imports: (.*)$", line):
            house[match[1]] = frozenset(re.findall(r"`(\w+)`", match[2]))
    return house


def _readme_handbook_floors() -> dict[str, frozenset[str]]:
    """The README's list of handbook's sub-packages, nested under ``handbook``."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    floors = {}
    for line in section.splitlines():
        if match := re.match(r"\s+- `(handbook\.\w+)`.*Imports: (.*)$", line):
            floors[match[1]] = frozenset(re.findall(r"`([\w.]+)`", match[2]))
    return floors


def test_the_readme_draws_the_house_this_test_enforces() -> None:
    assert _readme_house() == MAY_IMPORT


def test_the_readme_draws_the_floors_of_handbook_this_test_enforces() -> None:
    assert _readme_handbook_floors() == HANDBOOK_MAY_IMPORT
