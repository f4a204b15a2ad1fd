"""The tests a ledger names: pytest node ids, checked without running pytest.

Three ledgers name the tests that answer for a claim: docs/_data/verdicts.yml,
tests/principles/absolutes.yml and tests/principles/counterfactuals.yml.
Each named test is checked here when the file is loaded (on every build for
the verdicts): the id is ``tests/<path>/test_<name>.py::<test>`` (or
``::Test<Class>::<test>``, optionally with ``[<parameters>]``), the file
exists, and the name is one pytest collects as a test: a function whose
name starts with ``test`` at the module's top level or in a class whose
name starts with ``Test``. A helper, a fixture or a function of a support
module is not a test, however it is named in the ledger.

Only a collection knows a test's parameters and whether its module imports
at all; :func:`is_collected` is the one rule the ledgers' tests hold the
named ids to against what pytest collected.
"""

import ast
import functools
import re
from pathlib import Path, PurePosixPath

from handbook.content.locations import LocatedError, Location

TEST_ID = re.compile(
    r"^(?P<file>tests/[\w/]+\.py)::(?P<name>(?:\w+::)?\w+)(?:\[.+\])?$"
)
TEST_FILE = "test_*.py"


@functools.cache
def _definitions(path: Path, modified_ns: int) -> tuple[frozenset[str], frozenset[str]]:
    """The tests a file defines (``test_x``, ``TestClass::test_y``) and every
    other function name in it; parsed once per version of the file
    (several entries name the same file, and `mkdocs serve` rebuilds often)."""
    del modified_ns  # part of the cache key only
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    tests: set[str] = set()
    for node in tree.body:
        if isinstance(node, functions) and node.name.startswith("test"):
            tests.add(node.name)
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            tests.update(
                f"{node.name}::{method.name}"
                for method in node.body
                if isinstance(method, functions) and method.name.startswith("test")
            )
    names = {node.name for node in ast.walk(tree) if isinstance(node, functions)}
    return frozenset(tests), frozenset(names)


def check_test_id(test_id: str, where: Location, repo_root: Path) -> None:
    """The id names a test pytest would collect; else a located error saying why."""
    match = TEST_ID.match(test_id)
    if not match:
        raise LocatedError(
            where,
            f"{test_id!r} is not a pytest node id (tests/<path>.py::<test>[<param>])",
        )
    path = repo_root / match["file"]
    if not path.is_file():
        raise LocatedError(where, f"{test_id!r}: {match['file']} does not exist")
    if not PurePosixPath(match["file"]).match(TEST_FILE):
        raise LocatedError(
            where,
            f"{test_id!r}: {match['file']} is not a test module (pytest collects "
            f"{TEST_FILE} files only): name the test that uses it",
        )
    tests, functions = _definitions(path, path.stat().st_mtime_ns)
    name = match["name"]
    if name in tests:
        return
    if name.rpartition("::")[2] in functions:
        raise LocatedError(
            where,
            f"{test_id!r}: {name} is not a test (a function named test* at the top "
            "of the module or in a Test* class): name the test that uses it",
        )
    raise LocatedError(where, f"{test_id!r}: {match['file']} defines no {name}()")


def is_collected(test_id: str, collected: frozenset[str]) -> bool:
    """Pytest collected the test: the id itself, or a parametrized test named
    without its parameters (``test_x`` for ``test_x[1]``)."""
    return test_id in collected or test_id in _without_parameters(collected)


@functools.cache
def _without_parameters(collected: frozenset[str]) -> frozenset[str]:
    """Each collected id of a parametrized test, its parameters dropped; once
    per collection, not once per named test (absolutes.yml names 800)."""
    return frozenset(node.partition("[")[0] for node in collected if "[" in node)
