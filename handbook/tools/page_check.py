"""`task check -- docs/principles/<area>/<slug>.md`: what one page depends on.

The edit loop for a writer: instead of the whole suite, check what an edit
to one page can break, in this order, stopping at the first failure:

1. The site model: every page read and checked as the build does (front
   matter, registry, anatomy, verdicts, benchmark citations). A content
   error names its file and line before any test runs.
2. One pytest run of:
   - the tests of ``tests/docs/`` that are about this page (its examples,
     config blocks, includes, anatomy, weight budget: their IDs name the
     page's path or URL);
   - its evidence module (``tests/principles/<area>/test_<slug>.py``);
   - the tests of the code it quotes: the tests that name what its included
     sections define, the quoted tests themselves, and the tests that name
     an included config file (``handbook.tools.page_tests`` says how);
   - for a page that is not a principle's (``docs/checker.md``), the test
     modules that name it.

A test that reaches the quoted code only through a shared fixture (the app
fixture runs nearly all of the service) is left to the whole suite:
``task test`` stays the gate; this is the fast answer to "did my edit to this
page break anything it shows?".
"""

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.evidence import evidence_module
from handbook.content.includes import resolve_target
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import MarkdownDocument
from handbook.site.site_model import load_site
from handbook.tools import page_tests
from handbook.tools.page_tests import TestFunction

TESTS_DIR = REPO_ROOT / "tests"
DOCS_TESTS = TESTS_DIR / "docs"


@dataclass(frozen=True)
class Selection:
    page: PurePosixPath
    """The page, relative to docs/ (``principles/api/etag.md``)."""
    modules: tuple[Path, ...]
    """Test modules run whole: the evidence module, modules naming the page."""
    tests: frozenset[TestFunction]
    """Test functions of other modules: the tests of the code it quotes."""
    untested: tuple[str, ...] = ()
    """Included targets (``path:section``) that no selected test names."""

    @property
    def page_keys(self) -> tuple[str, ...]:
        """How a test ID in tests/docs names the page: its path or its URL."""
        return (self.page.as_posix(), self.page.with_suffix("").as_posix() + "/")

    @property
    def targets(self) -> list[Path]:
        """What pytest collects: tests/docs, and every module a test is in."""
        modules = dict.fromkeys([*self.modules, *sorted(t.module for t in self.tests)])
        return [DOCS_TESTS, *modules]

    def keeps(self, item: pytest.Item) -> bool:
        path = Path(item.path)
        if path in self.modules:
            return True
        if TestFunction(path, _qualname(item)) in self.tests:
            return True
        return path.is_relative_to(DOCS_TESTS) and any(
            key in item.nodeid for key in self.page_keys
        )


def _qualname(item: pytest.Item) -> str:
    """``test_x`` or ``TestClass.test_x``, without the parameters."""
    name = getattr(item, "originalname", item.name)
    owner = getattr(item, "cls", None)
    return f"{owner.__name__}.{name}" if owner is not None else name


def included_targets(document: MarkdownDocument) -> list[tuple[Path, str | None]]:
    """Every ``(file, section)`` the page's ``--8<--`` lines include, once."""
    seen: dict[tuple[Path, str | None], None] = {}
    for block in document.fences:
        for target in block.includes:
            seen[resolve_target(target)] = None
    return list(seen)


def select(page: Path) -> Selection:
    site = load_site(
        DOCS_DIR, site_url="http://127.0.0.1:8000/", repo_url=None, description=""
    )
    relative = PurePosixPath(page.resolve().relative_to(DOCS_DIR.resolve()).as_posix())
    modules: list[Path] = []
    principle = next(
        (
            p
            for p in site.registry.principles
            if p.path.as_posix() == relative.as_posix()
        ),
        None,
    )
    if principle is not None:
        modules.append(REPO_ROOT / evidence_module(principle))
    document = site.documents[relative.as_posix()]
    candidates = sorted(
        p for p in TESTS_DIR.rglob("test_*.py") if not p.is_relative_to(DOCS_TESTS)
    )
    # A page without an evidence module (checker.md, …) has a test module
    # that names it: `DOCS_DIR / "checker.md"`, `docs/checker.md`. (A
    # principle page named elsewhere is an example, as in the tests of
    # this tool, not a test of it.)
    if principle is None:
        modules += [m for m in candidates if _names_page(m, relative)]
    targets = included_targets(document)
    quoted = page_tests.quote(targets)
    tests = [
        t for t in page_tests.tests_of(quoted, candidates) if t.module not in modules
    ]
    untested = tuple(
        _spelling(path, section)
        for path, section in targets
        if path not in modules
        and not page_tests.tests_of(page_tests.quote([(path, section)]), candidates)
    )
    return Selection(relative, tuple(modules), frozenset(tests), untested)


def _spelling(path: Path, section: str | None) -> str:
    relative = path.relative_to(REPO_ROOT).as_posix()
    return f"{relative}:{section}" if section else relative


def _names_page(test_module: Path, page: PurePosixPath) -> bool:
    text = test_module.read_bytes().decode("utf-8", errors="replace")
    return f"docs/{page}" in text or f'DOCS_DIR / "{page}"' in text


class _KeepPage:
    """A pytest plugin that deselects every collected test but the page's."""

    def __init__(self, selection: Selection) -> None:
        self.selection = selection

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        kept = [i for i in items if self.selection.keeps(i)]
        dropped = [i for i in items if not self.selection.keeps(i)]
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print(
            "usage: task check -- docs/principles/<area>/<slug>.md [pytest options]",
            file=sys.stderr,
        )
        return 2
    page, pytest_args = Path(args[0]), args[1:]
    if page.suffix != ".md" or not page.is_file():
        print(
            f"error: {page}: no such page (give a docs/**/*.md path)", file=sys.stderr
        )
        return 2
    if not page.resolve().is_relative_to(DOCS_DIR.resolve()):
        print(f"error: {page} is not under {DOCS_DIR}", file=sys.stderr)
        return 2
    try:
        selection = select(page)
    except LocatedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SyntaxError as error:
        # A module the selection reads (a test module, quoted code).
        print(f"error: {error.filename}:{error.lineno}: {error.msg}", file=sys.stderr)
        return 1
    print(f"site model: ok (registry, anatomy, verdicts) for {selection.page}")
    for module in selection.modules:
        print(f"  runs {module.relative_to(REPO_ROOT)}")
    by_module = Counter(t.module for t in selection.tests)
    for module, count in sorted(by_module.items()):
        tests = "test" if count == 1 else "tests"
        print(f"  runs {count} {tests} of {module.relative_to(REPO_ROOT)}")
    for target in selection.untested:
        print(
            f"  note: no test here names what {target} quotes; task test runs"
            " the tests that reach it otherwise (through a shared fixture, over HTTP)"
        )
    targets = [str(t) for t in selection.targets]
    return int(pytest.main([*targets, *pytest_args], plugins=[_KeepPage(selection)]))


if __name__ == "__main__":
    sys.exit(main())
