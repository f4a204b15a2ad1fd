"""The command-line tools this project's environment provides, found by name.

Both the build's validators and the checker run tools (git, task,
pre-commit, hadolint, ruff): each is looked for beside the interpreter
running us, in its virtual environment, before PATH.
"""

import os
import shutil
import sys
from pathlib import Path


class ToolMissing(Exception):
    """A tool the project needs is not installed; the message says how to get it."""


def find_tool(name: str) -> str | None:
    """The tool beside this interpreter (its virtual environment), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def tool_path(name: str) -> str:
    """The tool's path, or ``ToolMissing`` saying how to install it."""
    found = find_tool(name)
    if found is None:
        raise ToolMissing(
            f"{name} is not installed: run `uv sync` to get the project's tools"
        )
    return found
