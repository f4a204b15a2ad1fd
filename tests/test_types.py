"""The repository's Python is statically typed, and says why wherever it is not.

mypy runs in strict mode with the pydantic plugin over the files listed in
pyproject.toml's ``[tool.mypy]``: every Python file of the repository but
the checker's fixture repositories, which break rules on purpose. Every type-ignore comment names the error it
silences (mypy's ``ignore-without-code``), is still needed
(``warn_unused_ignores``) and says why, on its line or the line above.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT, tracked_files

MYPY = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
MYPY_FILES: list[str] = MYPY["files"]
EXCLUDED = [re.compile(pattern) for pattern in MYPY["exclude"]]
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def _checked_python() -> list[Path]:
    paths = [REPO_ROOT / entry for entry in MYPY_FILES]
    return sorted(
        {path for path in paths if path.is_file()}
        | {
            module
            for path in paths
            if path.is_dir()
            for module in path.rglob("*.py")
            if "__pycache__" not in module.parts
            and not any(
                e.search(module.relative_to(REPO_ROOT).as_posix()) for e in EXCLUDED
            )
        }
    )


def test_every_tracked_python_file_is_type_checked() -> None:
    checked = {path.relative_to(REPO_ROOT).as_posix() for path in _checked_python()}
    unchecked = [
        name
        for name in tracked_files()
        if name.endswith(".py")
        and name not in checked
        and not any(e.search(name) for e in EXCLUDED)
    ]
    assert not unchecked, unchecked


def test_mypy_strict_finds_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_every_type_ignore_names_its_error_and_says_why() -> None:
    unexplained = []
    for path in _checked_python():
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, start=1):
            match = IGNORE.search(line)
            if match is None:
                continue
            above = lines[number - 2].strip() if number > 1 else ""
            explained = match["rest"].strip().startswith("#") or above.startswith("#")
            if match["codes"] is None or not explained:
                unexplained.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line}")
    assert unexplained == []
    assert _checked_python(), "pyproject.toml lists no files for mypy"
