"""Claims a page makes about tools are reproduced here, against the real tool.

Each test runs the command a page talks about and checks the page quotes
what the tool really prints.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.docs_tree import DOCS_DIR
from handbook.fences import find_fences
from handbook.validators import tool_path

UV_ONLY_PAGE = DOCS_DIR / "principles" / "tooling" / "uv-only.md"


def _uv() -> str:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    return uv


def test_hand_editing_pyproject_makes_uv_lock_check_fail_as_the_page_says(
    tmp_path: Path,
) -> None:
    project = tmp_path / "orders-api"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "orders-api"\nversion = "0.1.0"\nrequires-python = ">=3.12"\ndependencies = []\n'
    )
    env = {**os.environ, "UV_PYTHON": sys.executable, "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    run = {
        "cwd": project,
        "env": env,
        "capture_output": True,
        "text": True,
        "check": False,
    }
    assert subprocess.run([_uv(), "lock"], **run).returncode == 0

    # The hand edit the page warns about: a dependency typed into pyproject.toml.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "dependencies = []", 'dependencies = ["fastapi>=0.115"]'
        )
    )
    result = subprocess.run([_uv(), "lock", "--check"], **run)

    assert result.returncode == 1
    quoted = next(
        b
        for b in find_fences(UV_ONLY_PAGE)
        if b.attrs.get("title") == "Output of uv lock --check"
    )
    for line in quoted.source.strip().splitlines():
        assert line in result.stderr, (
            f"{UV_ONLY_PAGE}:{quoted.line}: uv no longer prints {line!r}:\n{result.stderr}"
        )


RUFF_PAGE = DOCS_DIR / "principles" / "tooling" / "ruff-lint-format.md"


def test_ruff_without_a_selection_enables_more_than_400_rules(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text('"""A module."""\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--show-settings",
            "module.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    enabled = result.stdout.split("linter.rules.enabled = [", 1)[1].split("]", 1)[0]
    count = sum(1 for line in enabled.splitlines() if line.strip())
    assert count > 400, (
        f"ruff now enables {count} rules by default; fix the claim in {RUFF_PAGE}"
    )
    assert "more than 400 rules" in RUFF_PAGE.read_text()


TASKFILE_PAGE = DOCS_DIR / "principles" / "tooling" / "taskfile.md"


def test_task_renders_an_undeclared_variable_as_empty_as_the_page_shows(
    tmp_path: Path,
) -> None:
    shown = next(
        b for b in find_fences(TASKFILE_PAGE) if b.attrs.get("title") == "Taskfile.yml"
    )
    (tmp_path / "Taskfile.yml").write_text(shown.source)
    result = subprocess.run(
        [tool_path("task"), "--dry", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    quoted = next(
        b
        for b in find_fences(TASKFILE_PAGE)
        if b.attrs.get("title") == "Output of task --dry run"
    )
    assert quoted.source.strip() == result.stderr.strip(), (
        f"{TASKFILE_PAGE}:{quoted.line}"
    )


SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"
DB_SESSION_PAGE = DOCS_DIR / "principles" / "data" / "session-per-request.md"


def test_the_source_database_module_fails_at_import_as_the_page_says() -> None:
    source_module = next(
        b for b in find_fences(SOURCE_DOCUMENT) if b.source.startswith("# database.py")
    )
    with pytest.raises(NameError, match="name 'settings' is not defined"):
        exec(compile(source_module.source, "database.py", "exec"), {})  # noqa: S102 - the source's own code
    assert "a global `settings` that the module never defines" in " ".join(
        DB_SESSION_PAGE.read_text().split()
    )
