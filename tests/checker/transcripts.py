"""Console transcripts on the pages: each ``$ command`` is run, its output compared.

A ``console`` block names the example project it runs in
(``example="docs-example"``, a directory of ``tests/checker/fixtures/``).
The project is copied into a fresh git work tree; the commands of one block
run one after the other in it, with this environment's ``principles`` first
on ``PATH``, stderr after stdout as a terminal shows them, and the copy's
path written as ``/work/shop``.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from handbook.content.fences import FencedBlock
from handbook.content.tools import tool_path

FIXTURES = Path(__file__).parent / "fixtures"
SHOWN_ROOT = "/work/shop"
PROMPT = "$ "


@dataclass(frozen=True)
class Step:
    command: str
    expected: str


def steps(block: FencedBlock) -> list[Step]:
    found: list[Step] = []
    command: str | None = None
    output: list[str] = []
    for line in block.source.splitlines():
        if line.startswith(PROMPT):
            if command is not None:
                found.append(Step(command, "\n".join(output)))
            command, output = line[len(PROMPT) :], []
        else:
            output.append(line)
    if command is not None:
        found.append(Step(command, "\n".join(output)))
    return found


def prepare(example: str, destination: Path) -> Path:
    project = destination / "shop"
    shutil.copytree(FIXTURES / example, project)
    git = tool_path("git")
    subprocess.run([git, "init", "--quiet", str(project)], check=True)
    subprocess.run([git, "add", "--all"], cwd=project, check=True)
    return project


def run(command: str, project: Path) -> str:
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
    }
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE"):
        environment.pop(name, None)
    result = subprocess.run(
        [tool_path("bash"), "-c", command],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    shown = (result.stdout + result.stderr).replace(str(project), SHOWN_ROOT)
    return "\n".join(line.rstrip() for line in shown.rstrip("\n").splitlines())
