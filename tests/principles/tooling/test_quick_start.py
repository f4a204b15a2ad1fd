"""Evidence for QUICK-START: every command of the first-day block runs.

Commands that would change this machine run in a dry or scratch form:
``uv sync --locked --dry-run``, ``task --dry``, a temporary git repository
for ``pre-commit install``, a temporary copy for ``task env-file``.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from claims_support import block_titled

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.validators import tool_path

PAGE = DOCS_DIR / "principles" / "tooling" / "quick-start.md"
ENV = {**os.environ, "NO_COLOR": "1"}
TIMEOUT_SECONDS = 120


def _run(args: list[str], cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )


def _uv() -> str:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    return uv


def _sync(_: Path) -> None:
    result = _run([_uv(), "sync", "--locked", "--dry-run"])
    assert result.returncode == 0, result.stderr


def _task_list(_: Path) -> None:
    result = _run([tool_path("task"), "--list"])
    assert result.returncode == 0, result.stderr
    listed = {
        line.split(":")[0].lstrip("* ") for line in result.stdout.splitlines()[1:]
    }
    used = {
        cmd.split()[3]
        for cmd in _commands()
        if cmd.startswith("uv run task ") and not cmd.endswith("--list")
    }
    assert used <= listed, used - listed


def _pre_commit_install(tmp_path: Path) -> None:
    repo = tmp_path / "clone"
    repo.mkdir()
    assert _run(["git", "init", "-q"], cwd=repo).returncode == 0
    shutil.copy(REPO_ROOT / ".pre-commit-config.yaml", repo)
    result = _run([sys.executable, "-m", "pre_commit", "install"], cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / ".git" / "hooks" / "pre-commit").is_file()
    # "ruff, secret scan, lockfile check", as the page's comment says
    config = (repo / ".pre-commit-config.yaml").read_text()
    for hook in ("ruff-check", "detect-secrets", "uv-lock-check"):
        assert f"id: {hook}" in config


def _env_file(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "Taskfile.yml", tmp_path / "Taskfile.yml")
    (tmp_path / "snippets").mkdir()
    shutil.copy(REPO_ROOT / "snippets" / ".env.example", tmp_path / "snippets")
    result = _run([tool_path("task"), "env-file"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "JWT_SECRET=" in (tmp_path / "snippets" / ".env").read_text()


def _dry(task: str) -> Callable[[Path], None]:
    def run(_: Path) -> None:
        result = _run([tool_path("task"), "--dry", task])
        assert result.returncode == 0, result.stderr
        assert f"task: [{task}]" in result.stderr

    return run


CHECKS: dict[str, Callable[[Path], None]] = {
    "uv sync --locked": _sync,
    "uv run task --list": _task_list,
    "uv run pre-commit install": _pre_commit_install,
    "uv run task env-file": _env_file,
    "uv run task db-start": _dry("db-start"),
    "uv run task migrate": _dry("migrate"),
    "uv run task app": _dry("app"),
    "uv run task test": _dry("test"),
    "uv run task docs": _dry("docs"),
}


def _commands() -> list[str]:
    block = block_titled(PAGE, "First day on the repository").source
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_every_command_on_the_page_has_a_check() -> None:
    unchecked = [cmd for cmd in _commands() if cmd not in CHECKS]
    assert unchecked == [], f"add a way to run these to CHECKS: {unchecked}"


@pytest.mark.parametrize("command", list(CHECKS))
def test_the_command_runs(command: str, tmp_path: Path) -> None:
    assert command in _commands(), f"{command} is no longer on the page: drop its check"
    CHECKS[command](tmp_path)


def test_the_sources_docker_up_step_fails_as_quoted() -> None:
    result = _run([tool_path("task"), "docker-up"])

    assert result.returncode != 0
    quoted = block_titled(PAGE, "Output of uv run task docker-up").source.strip()
    assert quoted in result.stderr
    assert not (REPO_ROOT / "requirements.txt").exists()
    assert not (REPO_ROOT / "poetry.lock").exists()
