"""The checker works from an installed wheel, which has no docs/ tree.

Its rule data and the script that imports an app travel inside the package;
``principles`` is a console script.
"""

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from handbook.docs_tree import REPO_ROOT


def test_the_wheel_carries_the_rule_data_and_the_principles_command(
    tmp_path: Path,
) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH: pip install uv (README: Prerequisites)")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), "--no-create-gitignore"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    wheel = next(tmp_path.glob("python_backend_principles-*.whl"))

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
