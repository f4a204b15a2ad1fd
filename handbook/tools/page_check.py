"""`task check -- docs/principles/<area>/<slug>.md`: everything one page depends on.

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
   - the tests of the snippets it includes: every test module it includes,
     imports an included Python module of the service, or names an included
     file's path;
   - every other test module that names the page (``docs/checker.md``).

The whole suite (``task test``) stays the gate; this is the fast answer to
"did my edit to this page break anything it shows?".
"""

import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.evidence import evidence_module
from handbook.content.includes import resolve_target
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import MarkdownDocument
from handbook.site.site_model import load_site

TESTS_DIR = REPO_ROOT / "tests"
DOCS_TESTS = TESTS_DIR / "docs"
SERVICE_SOURCE = REPO_ROOT / "snippets"


@dataclass(frozen=True)
class Selection:
    page: PurePosixPath
    """The page, relative to docs/ (``principles/api/etag.md``)."""
    modules: tuple[Path, ...]
    """Test modules run whole: the evidence module and the snippets' tests."""

    @property
    def page_keys(self) -> tuple[str, ...]:
        """How a test ID in tests/docs names the page: its path or its URL."""
        return (self.page.as_posix(), self.page.with_suffix("").as_posix() + "/")

    def keeps(self, item: pytest.Item) -> bool:
        path = Path(item.path)
        if path in self.modules:
            return True
        return path.is_relative_to(DOCS_TESTS) and any(
            key in item.nodeid for key in self.page_keys
        )


def included_files(document: MarkdownDocument) -> list[Path]:
    """Every file the page's ``--8<--`` lines include, in order, once."""
    seen: dict[Path, None] = {}
    for block in document.fences:
        for target in block.includes:
            seen[resolve_target(target)[0]] = None
    return list(seen)


def service_module(path: Path) -> str | None:
    """``snippets/shop/users/router.py`` -> ``shop.users.router``."""
    if path.suffix != ".py" or not path.is_relative_to(SERVICE_SOURCE):
        return None
    parts = path.relative_to(SERVICE_SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.Module) -> set[str]:
    """Absolute imports a module makes, ``from a import b`` counted as ``a.b``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def tests_of(files: Iterable[Path], test_modules: Iterable[Path]) -> list[Path]:
    """Included test modules, and the test modules that import an included
    service module or name an included file's path."""
    files = list(files)
    modules = {m for f in files if (m := service_module(f))}
    paths = [
        f.relative_to(REPO_ROOT).as_posix()
        for f in files
        if f.is_relative_to(REPO_ROOT)
        and service_module(f) is None
        and not f.is_relative_to(TESTS_DIR)
    ]
    chosen = []
    for test_module in test_modules:
        if test_module in files:
            chosen.append(test_module)
            continue
        text = test_module.read_text(encoding="utf-8")
        if (modules & imported_modules(ast.parse(text))) or any(
            p in text for p in paths
        ):
            chosen.append(test_module)
    return chosen


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
    modules += [
        m for m in tests_of(included_files(document), candidates) if m not in modules
    ]
    # A page without an evidence module (checker.md, …) has a test module
    # that names it: `DOCS_DIR / "checker.md"`, `docs/checker.md`.
    modules += [m for m in candidates if m not in modules and _names_page(m, relative)]
    return Selection(relative, tuple(modules))


def _names_page(test_module: Path, page: PurePosixPath) -> bool:
    text = test_module.read_text(encoding="utf-8")
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
    print(f"site model: ok (registry, anatomy, verdicts) for {selection.page}")
    for module in selection.modules:
        print(f"  runs {module.relative_to(REPO_ROOT)}")
    targets = [str(DOCS_TESTS), *(str(m) for m in selection.modules)]
    return int(pytest.main([*targets, *pytest_args], plugins=[_KeepPage(selection)]))


if __name__ == "__main__":
    sys.exit(main())
