"""Evidence for UV-ONLY: Dependencies change only through uv.

Each test reproduces a claim docs/principles/tooling/uv-only.md makes,
against the real tool, library or service.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences

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
