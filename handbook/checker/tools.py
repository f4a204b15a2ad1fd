"""Finding and running the external linters the checker wraps."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# One finder for the build's tools and the checker's (tests replace it here).
from handbook.content.tools import find_tool as find

TIMEOUT_SECONDS = 300
EXTRA = "checker"
INSTALL_HINT = (
    "install the checker with its tools: "
    f"uvx --from 'python-backend-principles[{EXTRA}] @ <this repository>' principles ..."
)


class ToolFailed(Exception):
    """The tool is missing, crashed, or printed what the checker cannot read."""


@dataclass(frozen=True)
class Ran:
    stdout: str
    stderr: str
    returncode: int


def run(name: str, args: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,)) -> Ran:
    executable = find(name)
    if executable is None:
        raise ToolFailed(f"{name} is not installed ({INSTALL_HINT})")
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        result = subprocess.run(
            [executable, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT_SECONDS,
            check=False,
            encoding="utf-8",
            errors="replace",
        )
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"{name} did not finish in {TIMEOUT_SECONDS} s") from error
    except OSError as error:
        raise ToolFailed(f"{name} could not start: {error}") from error
    if result.returncode not in ok_codes:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ToolFailed(
            f"{name} failed (exit {result.returncode}): "
            + (" / ".join(detail[-3:]) if detail else "no output")
        )
    return Ran(result.stdout, result.stderr, result.returncode)
