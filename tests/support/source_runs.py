"""The source document's statements, and running them with real tools.

The source-claims tests (tests/docs/source_claims/) read a statement by its
anchor and run it as written in a scratch directory.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.source_document import SourceDocument

SOURCE = SourceDocument.load(DOCS_DIR)
TIMEOUT_SECONDS = 180


def source_text(anchor: str) -> str:
    """The text of the source's statement with this anchor."""
    statement = SOURCE.statement(anchor)
    assert statement is not None, f"the source has no statement {anchor!r}"
    return statement.text


def run_command(
    args: list[str], cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, "NO_COLOR": "1", **env},
    )


def uv_offline(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``uv ARGUMENTS`` in ``project``, offline, with the Python running the tests."""
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    return run_command(
        [uv, *arguments], project, UV_PYTHON=sys.executable, UV_OFFLINE="1"
    )


def locked_empty_project(root: Path) -> Path:
    """A project without dependencies under ``root``, locked: its pyproject.toml."""
    project = root / "orders-api"
    project.mkdir()
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "orders-api"\nversion = "0.1.0"\n'
        'requires-python = ">=3.12"\ndependencies = []\n'
    )
    locked = uv_offline(project, "lock")
    assert locked.returncode == 0, locked.stderr
    return pyproject


def path_without(*executables: str) -> str:
    """This PATH minus the project's environment and dirs holding ``executables``."""
    venv_bin = Path(sys.executable).parent
    return os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry
        and Path(entry) != venv_bin
        and not any((Path(entry) / name).exists() for name in executables)
    )


def source_settings_module() -> ModuleType:
    """The source's configuration module, run as a module of its own."""
    module = ModuleType("config")
    code = compile(source_text("configuration-management--python"), "config.py", "exec")
    exec(code, module.__dict__)  # noqa: S102 - the source's own code
    return module


def source_example(module: str) -> str:
    """One file of the source's example implementation (``# users/router.py``)."""
    parts = re.split(
        r"^# (users/\w+\.py)\n",
        source_text("example-implementation--python"),
        flags=re.M,
    )
    return dict(zip(parts[1::2], parts[2::2], strict=True))[module]
