"""Evidence for TASK-COMMANDS: Every routine command is a task in Taskfile.yml.

Each test reproduces a claim docs/principles/tooling/taskfile.md makes,
against the real tool, library or service.
"""

import os
import subprocess
from pathlib import Path

import yaml
from claims_support import prose

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.fences import find_fences
from handbook.validators import tool_path

TASKFILE_PAGE = DOCS_DIR / "principles" / "tooling" / "taskfile.md"


def test_task_renders_an_undeclared_variable_as_empty_as_the_page_shows(
    tmp_path: Path,
) -> None:
    shown = next(
        b for b in find_fences(TASKFILE_PAGE) if b.attrs.get("title") == "Taskfile.yml"
    )
    (tmp_path / "Taskfile.yml").write_text(shown.source)
    result = subprocess.run(
        [tool_path("task"), "--dry", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    quoted = next(
        b
        for b in find_fences(TASKFILE_PAGE)
        if b.attrs.get("title") == "Output of task --dry run"
    )
    assert quoted.source.strip() == result.stderr.strip(), (
        f"{TASKFILE_PAGE}:{quoted.line}"
    )


def test_every_task_of_the_repository_has_a_description() -> None:
    tasks = yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())["tasks"]

    assert len(tasks) >= 10
    assert [name for name, task in tasks.items() if not task.get("desc")] == []
    assert "Give every task a `desc`" in prose(TASKFILE_PAGE)
