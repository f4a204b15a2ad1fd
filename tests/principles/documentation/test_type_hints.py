"""Evidence for DOC-TYPE-HINTS: mypy --strict passes the page's Do example and
the quoted modules, and reports the Don't example as the page quotes it."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from tests.support.pages import prose

MypyRunner = Callable[..., subprocess.CompletedProcess[str]]
PAGE = DOCS_DIR / "principles" / "documentation" / "type-hints.md"
SNIPPETS = REPO_ROOT / "snippets"


@pytest.fixture(scope="module")
def mypy(tmp_path_factory: pytest.TempPathFactory) -> MypyRunner:
    """Run mypy from this environment, with a cache of its own for this module.

    The cache lives outside the work tree, so a stale one never hides an
    error, and the runs after the first reuse the analysis of the libraries.
    """
    cache_dir = tmp_path_factory.mktemp("mypy-cache")

    def run(*args: str, cwd: Path = SNIPPETS) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--cache-dir",
                str(cache_dir),
                "--no-error-summary",
                "--hide-error-context",
                "--no-pretty",
                *args,
            ],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )

    return run


def _python_blocks() -> list[str]:
    return [
        b.source
        for b in find_fences(PAGE)
        if b.language == "python" and not b.is_include
    ]


# --8<-- [start:mypy-strict]
def test_mypy_strict_passes_the_observability_and_cache_modules(
    mypy: MypyRunner,
) -> None:
    result = mypy(
        "--strict",
        "shop/core/metrics.py",
        "shop/core/request_id.py",
        "shop/core/tracing.py",
        "shop/shared/cache.py",
    )

    assert result.returncode == 0, result.stdout
    # --8<-- [end:mypy-strict]


def test_mypy_strict_passes_the_do_example(mypy: MypyRunner, tmp_path: Path) -> None:
    do_example = _python_blocks()[0]
    (tmp_path / "greeting.py").write_text(do_example)

    result = mypy("--strict", "greeting.py", cwd=tmp_path)

    assert result.returncode == 0, result.stdout


def test_mypy_strict_reports_the_dont_example_as_the_page_quotes(
    mypy: MypyRunner, tmp_path: Path
) -> None:
    dont_example = _python_blocks()[1]
    (tmp_path / "greeting.py").write_text(dont_example)

    result = mypy("--strict", "greeting.py", cwd=tmp_path)

    assert result.returncode == 1
    quoted = next(
        b for b in find_fences(PAGE) if b.title == "Output of mypy --strict"
    ).source.strip()
    line = result.stdout.strip()
    assert line.startswith("greeting.py:")
    assert line.split(": ", 1)[1] == quoted


def test_without_strict_mypy_skips_unannotated_bodies(
    mypy: MypyRunner, tmp_path: Path
) -> None:
    # The body is wrong whatever `lines` holds: `total` is an int.
    (tmp_path / "totals.py").write_text(
        "def order_total(lines):\n"
        "    total = 0\n"
        "    for line in lines:\n"
        "        total += line\n"
        "    return total + ' EUR'\n"
    )

    lenient = mypy("totals.py", cwd=tmp_path)
    strict = mypy("--strict", "totals.py", cwd=tmp_path)

    assert lenient.returncode == 0, lenient.stdout
    # --strict reports the body's error, not only the missing annotations.
    assert 'Unsupported operand types for + ("int" and "str")' in strict.stdout
    assert "does not check the bodies of unannotated functions" in prose(PAGE)


def test_the_projects_mypy_configuration_reports_a_possibly_undefined_local(
    mypy: MypyRunner, tmp_path: Path
) -> None:
    # `discount` is assigned on one branch only: a NameError for any other code.
    (tmp_path / "pricing.py").write_text(
        "def discount_cents(code: str, total_cents: int) -> int:\n"
        '    if code == "WELCOME10":\n'
        "        discount = total_cents // 10\n"
        "    return discount\n"
    )

    strict = mypy("--strict", "pricing.py", cwd=tmp_path)
    project = mypy(
        "--config-file", str(REPO_ROOT / "pyproject.toml"), "pricing.py", cwd=tmp_path
    )

    assert strict.returncode == 0, strict.stdout
    assert 'Name "discount" may be undefined  [possibly-undefined]' in project.stdout
    assert "this project also turns on mypy's `possibly-undefined`" in prose(PAGE)


def test_the_ruff_rules_the_page_names_do_what_it_says() -> None:
    code = (
        "from typing import Optional\n\n\n"
        "def discount(code: Optional[str]) -> int:\n    return 0\n\n\n"
        "def shipping(country):\n    return 499\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "ANN,UP",
            "--target-version",
            "py312",
            "--output-format",
            "concise",
            "--stdin-filename",
            "pricing.py",
            "-",
        ],
        input=code,
        capture_output=True,
        text=True,
        check=False,
    )

    assert "ANN201" in result.stdout  # missing return type
    assert "ANN001" in result.stdout  # missing parameter type
    assert "Use `X | None` for type annotations" in result.stdout
    page = prose(PAGE)
    assert "ruff's `ANN` rules report missing annotations" in page
    assert "rewrites `Optional[X]` to `X | None`" in page
