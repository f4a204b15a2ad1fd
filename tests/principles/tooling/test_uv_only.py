"""Evidence for UV-ONLY: Dependencies change only through uv.

Each test reproduces a claim docs/principles/tooling/uv-only.md makes,
against the real tool, library or service.
"""

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from tests.support.pages import prose
from tests.support.source_runs import locked_empty_project, uv_offline
from tests.support.wheels import write_wheel

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


class LocalIndex:
    """A project resolved offline against a directory of hand-made wheels."""

    def __init__(self, root: Path, *dependencies: str) -> None:
        self.wheels = root / "wheels"
        self.project = root / "orders-api"
        self.project.mkdir()
        listed = "".join(f'    "{d}",\n' for d in dependencies)
        self.pyproject = self.project / "pyproject.toml"
        self.pyproject.write_text(
            '[project]\nname = "orders-api"\nversion = "0.1.0"\n'
            f'requires-python = ">=3.12"\ndependencies = [\n{listed}]\n'
        )
        self.env = {
            **os.environ, "NO_COLOR": "1", "UV_PYTHON": sys.executable,
            "UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(self.wheels),
            "UV_CACHE_DIR": str(root / "uv-cache"),
        }  # fmt: skip
        self.env.pop("VIRTUAL_ENV", None)

    def publish(self, name: str, version: str, *requires: str) -> None:
        write_wheel(self.wheels, name, version, requires)

    def uv(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_uv(), *arguments], cwd=self.project, env=self.env,
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip

    def locked(self) -> dict[str, str]:
        lock = tomllib.loads((self.project / "uv.lock").read_text())
        return {p["name"]: p["version"] for p in lock["package"]}


def test_upgrade_package_also_upgrades_what_the_new_version_requires(
    tmp_path: Path,
) -> None:
    index = LocalIndex(tmp_path, "webapi", "metrics")
    index.publish("routing", "1.0")
    index.publish("webapi", "1.0", "routing>=1.0")
    index.publish("metrics", "1.0")
    assert index.uv("lock").returncode == 0
    # New releases of all three; webapi 2.0 needs routing 2.0.
    index.publish("routing", "2.0")
    index.publish("webapi", "2.0", "routing>=2.0")
    index.publish("metrics", "1.1")

    result = index.uv("lock", "--upgrade-package", "webapi")

    assert result.returncode == 0, result.stderr
    assert "Updated webapi v1.0 -> v2.0" in result.stderr, result.stderr
    assert "Updated routing v1.0 -> v2.0" in result.stderr, result.stderr
    locked = index.locked()
    assert (locked["webapi"], locked["routing"]) == ("2.0", "2.0")
    assert locked["metrics"] == "1.0"  # not required by the new webapi: kept
    assert (
        "# Upgrade one package on purpose, and only what its new version requires\n"
        in (UV_ONLY_PAGE.read_text())
    )


def test_a_hand_edit_fails_uv_sync_locked_and_plain_uv_sync_relocks(
    tmp_path: Path,
) -> None:
    index = LocalIndex(tmp_path, "routing")
    index.publish("routing", "1.0")
    index.publish("metrics", "1.0")
    assert index.uv("lock").returncode == 0
    before = (index.project / "uv.lock").read_text()
    # A dependency typed into pyproject.toml by hand.
    index.pyproject.write_text(
        index.pyproject.read_text().replace('"routing",', '"routing",\n    "metrics",')
    )

    in_ci = index.uv("sync", "--locked")
    assert (index.project / "uv.lock").read_text() == before
    elsewhere = index.uv("sync")

    assert in_ci.returncode == 1, in_ci.stderr
    assert "needs to be updated" in in_ci.stderr, in_ci.stderr
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "warning" not in elsewhere.stderr.lower(), elsewhere.stderr
    assert (index.project / "uv.lock").read_text() != before
    assert index.locked()["metrics"] == "1.0"
    page = prose(UV_ONLY_PAGE)
    assert "re-resolves and rewrites the lock without a warning" in page
    assert "with `--locked` in CI, fails" in page
    assert (
        "run `uv lock --check` (or install with `uv sync --locked`); both fail" in page
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


def test_the_lock_hook_runs_on_commits_that_touch_pyproject_or_the_lock() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    [hook] = [
        hook
        for repo in config["repos"]
        for hook in repo["hooks"]
        if hook["id"] == "uv-lock-check"
    ]
    assert hook["entry"] == "uv lock --check"
    # pre-commit runs a hook only when a staged file matches its `files`.
    files = re.compile(hook["files"])
    assert files.search("pyproject.toml")
    assert files.search("uv.lock")
    for other in ("snippets/shop/core/main.py", "docs/index.md", "tests/uv.lock"):
        assert not files.search(other), other
    assert (
        "a local hook runs the same check before every commit that touches "
        "`pyproject.toml` or `uv.lock`"
    ) in prose(UV_ONLY_PAGE)
