"""Scratch git repositories for tests of tools that read only tracked files,
and copies of the working tree for tests that build or run from one."""

import shutil
import subprocess
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT, tracked_files
from handbook.content.tools import tool_path


def scratch_repo(path: Path, files: dict[str, str]) -> Path:
    """A git repository at ``path`` with ``files`` staged."""
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content)
    git = tool_path("git")
    subprocess.run([git, "init", "-q"], cwd=path, check=True)
    subprocess.run([git, "add", "-A"], cwd=path, check=True)
    return path


def copy_tracked_files(destination: Path) -> Path:
    """Every file git tracks, as it is in the working tree now, under
    ``destination`` (a tracked file deleted but not yet committed is left out)."""
    for name in tracked_files():
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def copy_working_tree(destination: Path) -> Path:
    """A copy under ``destination`` of every file of the working tree git does
    not ignore: the tracked ones and the new ones not yet added."""
    listed = subprocess.run(
        [tool_path("git"), "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination
