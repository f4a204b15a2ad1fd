"""Every principle has one evidence module, and the page says which.

The tests that back a page live at a path that mirrors it:
``docs/principles/<area>/<slug>.md`` is verified by
``tests/principles/<area>/test_<slug with underscores>.py``. A test checks
the pairing both ways, and the rendered page links to its module (and to
the service tests it quotes), so a reader can see what was run.
"""

from pathlib import Path, PurePosixPath

from handbook.content.registry import PRINCIPLES_DIR, Principle

EVIDENCE_DIR = PurePosixPath("tests") / PRINCIPLES_DIR


def evidence_module(principle: Principle) -> PurePosixPath:
    """Repository-relative path of the principle's evidence module."""
    page = PurePosixPath(principle.path.as_posix())  # principles/<area>/<slug>.md
    slug = page.stem.replace("-", "_")
    return EVIDENCE_DIR / page.parent.name / f"test_{slug}.py"


def page_for_module(module: PurePosixPath) -> PurePosixPath:
    """The docs/ page an evidence module must belong to."""
    slug = module.stem.removeprefix("test_").replace("_", "-")
    return PurePosixPath("docs") / PRINCIPLES_DIR / module.parent.name / f"{slug}.md"


def evidence_modules(repo_root: Path) -> list[PurePosixPath]:
    """Every ``test_*.py`` under tests/principles/, repository-relative."""
    root = repo_root / EVIDENCE_DIR
    return sorted(
        PurePosixPath(path.relative_to(repo_root).as_posix())
        for path in root.rglob("test_*.py")
    )


def pairing_problems(principles: list[Principle], repo_root: Path) -> list[str]:
    """What breaks the one-page-one-module rule, each naming the file to add."""
    problems = []
    expected = {evidence_module(p): p for p in principles}
    modules = set(evidence_modules(repo_root))
    for module, principle in sorted(expected.items()):
        if module not in modules:
            problems.append(
                f"docs/{principle.path.as_posix()} ({principle.id}) has no evidence "
                f"module: create {module}"
            )
    for module in sorted(modules - set(expected)):
        problems.append(
            f"{module} verifies no page: {page_for_module(module)} does not exist "
            "(rename the module after the page it backs)"
        )
    return problems


def quoted_test_files(principle: Principle) -> list[str]:
    """Files under tests/ whose sections the page quotes, in order of first use."""
    found: list[str] = []
    for block in principle.document.fences:
        for target in block.includes:
            path = target.rpartition(":")[0] or target
            if path.startswith("tests/") and path not in found:
                found.append(path)
    return found


def _link(path: str, repo_url: str | None) -> str:
    if not repo_url:
        return f"`{path}`"
    return f"[`{path}`]({repo_url.rstrip('/')}/blob/HEAD/{path})"


def verified_by(principle: Principle, repo_url: str | None) -> str:
    """The generated "Verified by" line of a principle page."""
    module = evidence_module(principle).as_posix()
    quoted = [path for path in quoted_test_files(principle) if path != module]
    line = f"**Verified by** {_link(module, repo_url)}"
    if quoted:
        line += ", and the tests it quotes: " + ", ".join(
            _link(path, repo_url) for path in quoted
        )
    return line + ".\n\n"
