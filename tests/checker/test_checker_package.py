"""The checker works from an installed wheel, which has no docs/ tree.

Its rule data and the script that imports an app travel inside the package;
``principles`` is a console script. The README's ``uvx --from '<this
repository>[checker]' principles check PATH`` is run here with the wheel
built from this checkout in place of the repository's address (the machines
this is built on cannot reach GitHub): ``uv tool run`` installs it into an
isolated environment, apart from this project's.
"""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from handbook.content.docs_tree import REPO_ROOT
from tests.checker.checker_support import (
    copy_fixture,
    expected_lines,
    git_repository,
    summary_lines,
)


@pytest.fixture(scope="module")
def uv() -> str:
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is not on PATH: pip install uv (README: Prerequisites)")
    return found


@pytest.fixture(scope="module")
def wheel(uv: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(out), "--no-create-gitignore"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    return next(out.glob("python_backend_principles-*.whl"))


def test_the_wheel_carries_the_rule_data_and_the_principles_command(
    wheel: Path,
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(
            archive.read(n) for n in names if n.endswith("entry_points.txt")
        ).decode()
        shipped = archive.read("handbook/checker/data/principles.json")

    assert {"handbook/checker/openapi_probe.py", "handbook/checker/cli.py"} <= names
    assert shipped == (REPO_ROOT / "handbook/checker/data/principles.json").read_bytes()
    assert "principles = handbook.checker.cli:entry_point" in entry_points
    assert not any(name.startswith(("docs/", "tests/")) for name in names)


def test_the_installed_wheel_runs_principles_in_an_environment_of_its_own(
    uv: str, wheel: Path, tmp_path: Path
) -> None:
    project = copy_fixture("async", "bad", tmp_path)
    git_repository(project)
    principles = [
        *(uv, "tool", "run", "--isolated", "--python", sys.executable),
        *("--from", f"{wheel}[checker]", "principles"),
    ]

    rules = subprocess.run(
        [*principles, "rules", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    checked = subprocess.run(
        [*principles, "check", ".", "--stage", "all", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    listed = json.loads(rules.stdout)["rules"]
    assert {r["id"] for r in listed} >= {"ASYNC-NO-BLOCKING", "DB-BOUND-PARAMS"}
    assert all(r["url"].endswith(f"/id/{r['id']}/") for r in listed)
    assert checked.returncode == 1, checked.stderr
    assert summary_lines(json.loads(checked.stdout)) == expected_lines("async")
