"""Evidence for UV-ONLY: Dependencies change only through uv.

Each test reproduces a claim docs/principles/tooling/uv-only.md makes,
against the real tool, library or service.
"""

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from tests.support.pages import prose
from tests.support.source_runs import locked_empty_project, uv_offline

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

    def uv(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_uv(), *arguments],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    assert uv("lock").returncode == 0

    # The hand edit the page warns about: a dependency typed into pyproject.toml.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "dependencies = []", 'dependencies = ["fastapi>=0.115"]'
        )
    )
    result = uv("lock", "--check")

    assert result.returncode == 1
    quoted = next(
        b
        for b in find_fences(UV_ONLY_PAGE)
        if b.attrs.get("title") == "Output of uv lock --check"
    )
    # uv wraps its messages to the terminal's width, which differs between a
    # terminal and a pytest-xdist worker: compare the words, not the breaks.
    printed = " ".join(result.stderr.split())
    for line in quoted.source.strip().splitlines():
        assert " ".join(line.split()) in printed, (
            f"{UV_ONLY_PAGE}:{quoted.line}: uv no longer prints {line!r}:\n{result.stderr}"
        )


def test_a_hand_edit_of_tool_uv_makes_uv_lock_check_fail(tmp_path: Path) -> None:
    pyproject = locked_empty_project(tmp_path)

    # A setting of uv itself, typed in by hand: unlike [tool.ruff], it narrows
    # what the lock resolves for.
    pyproject.write_text(
        pyproject.read_text()
        + "\n[tool.uv]\nenvironments = [\"sys_platform == 'linux'\"]\n"
    )
    stale = uv_offline(pyproject.parent, "lock", "--check")
    assert uv_offline(pyproject.parent, "lock").returncode == 0
    relocked = uv_offline(pyproject.parent, "lock", "--check")

    assert stale.returncode == 1
    assert "needs to be updated" in stale.stderr, stale.stderr
    assert relocked.returncode == 0, relocked.stderr
    assert "such as `environments`, change what uv resolves" in prose(UV_ONLY_PAGE)


def test_uv_lock_records_what_linux_macos_and_windows_each_get() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    # No narrowing of the lock to some platforms.
    assert "environments" not in pyproject["tool"]["uv"]
    assert "supported-markers" not in lock
    packages = {p["name"]: p for p in lock["package"]}

    # A package only Windows installs is locked, on this Linux machine...
    assert sys.platform == "linux"
    pywin32 = [w["url"].rsplit("/", 1)[1] for w in packages["pywin32"]["wheels"]]
    assert pywin32
    assert all("-win" in wheel for wheel in pywin32), pywin32
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("pywin32")
    # ...and a compiled one has its wheel for each of the three.
    pydantic_core = " ".join(w["url"] for w in packages["pydantic-core"]["wheels"])
    for platform_tag in ("manylinux", "macosx", "win_amd64"):
        assert platform_tag in pydantic_core
    assert "`uv.lock` records exactly what it gets, for every platform" in prose(
        UV_ONLY_PAGE
    )
