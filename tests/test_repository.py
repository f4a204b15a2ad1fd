"""The repository practises what the handbook preaches.

Its own Taskfile, pre-commit config, pyproject and CI script pass the same
real tools the pages use, all of its Python is ruff-clean, and no secret is
committed.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.content.docs_tree import REPO_ROOT, tracked_files
from handbook.content.validators import (
    InvalidBlock,
    pre_commit_config,
    pyproject,
    shellcheck,
    taskfile,
)
from tests.support.pre_commit import SCAN_HOOK, run_own_hooks, scan_failure

OWN_CONFIGS = {
    "Taskfile.yml": taskfile,
    ".pre-commit-config.yaml": pre_commit_config,
    "pyproject.toml": pyproject,
    ".ci/run": shellcheck,
}


@pytest.mark.parametrize("name", OWN_CONFIGS)
def test_own_config_passes_its_tool(name: str, tmp_path: Path) -> None:
    try:
        OWN_CONFIGS[name]((REPO_ROOT / name).read_text(), tmp_path)
    except InvalidBlock as error:
        pytest.fail(f"{name}: {error}", pytrace=False)


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_all_python_is_ruff_clean(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reads_every_tracked_python_file_but_the_checkers_fixtures() -> None:
    """A bare name in ruff's exclude skips every folder of that name: "docs"
    once left tests/docs/ unlinted and unformatted."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--show-files", "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    read = {
        Path(line).resolve().relative_to(REPO_ROOT).as_posix()
        for line in result.stdout.splitlines()
    }
    tracked = {
        name
        for name in tracked_files()
        if name.endswith(".py") and not name.startswith("tests/checker/fixtures/")
    }
    assert tracked - read == set()


# --8<-- [start:secret-scan]
def test_no_secret_is_committed(tmp_path: Path) -> None:
    """`pre-commit run detect-secrets --all-files`, offline, over a copy of
    every tracked file: the hook a commit runs, against the same baseline.

    A copy, because the hook rewrites a baseline whose entries moved to
    other lines, and fails, as it would fail a commit.
    """
    result = run_own_hooks(tmp_path, SCAN_HOOK)

    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{scan_failure(output)}:\n{output}"
    assert re.search(r"^detect secrets\.+Passed$", output, re.MULTILINE), output
    # --8<-- [end:secret-scan]


def test_a_test_parametrized_over_nothing_fails_collection(tmp_path: Path) -> None:
    # Tests parametrized over what a reader found in the docs must not vanish
    # as one skip when the reader breaks and finds nothing.
    pyproject_text = (REPO_ROOT / "pyproject.toml").read_text()
    start = pyproject_text.index("[tool.pytest.ini_options]")
    end = pyproject_text.index("\n[", start)
    (tmp_path / "pyproject.toml").write_text(pyproject_text[start:end])
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_pages.py").write_text(
        "import pytest\n\n\n"
        '@pytest.mark.parametrize("page", [])\n'
        "def test_page_has_a_rule(page):\n"
        "    assert page\n"
    )

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == pytest.ExitCode.INTERRUPTED, run.stdout
    assert "Empty parameter set in 'test_page_has_a_rule'" in run.stdout
