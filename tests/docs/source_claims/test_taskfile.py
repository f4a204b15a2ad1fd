"""The source's Taskfile, run with the real task."""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.tools import tool_path
from tests.support.pages import prose
from tests.support.source_runs import (
    path_without,
    run_command,
    source_text,
)


def test_the_shell_task_imports_from_an_empty_project_name(
    source_taskfile: Path,
) -> None:
    result = run_command([tool_path("task"), "--dry", "shell"], source_taskfile)

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        'task: [shell] uv run ipython -i -c "from .main import *"'
    )


def test_db_reset_calls_a_task_named_with_its_arguments(
    source_taskfile: Path,
) -> None:
    result = run_command([tool_path("task"), "db-reset"], source_taskfile)

    assert result.returncode != 0
    assert (
        'task: Failed to run task "db-reset": task: Task '
        '"migrate-down -- --amount 9999" does not exist'
    ) in result.stderr


@pytest.fixture
def recording_uv(tmp_path: Path) -> Path:
    """A directory with a ``uv`` that only prints the arguments it was given."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text('#!/bin/sh\necho "uv $*"\n')
    uv.chmod(0o755)
    return bin_dir


def test_migrate_up_does_not_read_database_url_from_the_env_file(
    source_taskfile: Path, recording_uv: Path
) -> None:
    # The checklist's step: copy .env.example to .env and fill in the values.
    (source_taskfile / ".env").write_text(
        "DATABASE_URL=postgresql://shop:secret@localhost:5432/shop\n"
    )
    env = {"PATH": os.pathsep.join([str(recording_uv), "/usr/bin", "/bin"])}
    result = run_command([tool_path("task"), "migrate-up"], source_taskfile, **env)

    assert result.returncode == 0, result.stderr
    # Task loads no .env (no `dotenv:`), so ${DATABASE_URL} expands to nothing.
    assert result.stdout.strip() == (
        "uv run atlas migrate apply --env sqlalchemy --url"
    )


def test_migrate_down_drops_an_amount_however_it_is_passed(
    source_taskfile: Path, recording_uv: Path
) -> None:
    taskfile = source_taskfile / "Taskfile.yml"
    # The call as the handbook once corrected it: the amount moved into vars.
    taskfile.write_text(
        taskfile.read_text().replace(
            "      - task: migrate-down -- --amount 9999\n",
            '      - task: migrate-down\n        vars: {AMOUNT: "9999"}\n',
        )
    )
    env = {"PATH": os.pathsep.join([str(recording_uv), "/usr/bin", "/bin"])}
    from_the_command_line = run_command(
        [tool_path("task"), "migrate-down", "--", "--amount", "9999"],
        source_taskfile,
        **env,
    )
    from_vars = run_command([tool_path("task"), "db-reset"], source_taskfile, **env)

    assert from_the_command_line.returncode == 0, from_the_command_line.stderr
    assert from_vars.returncode == 0, from_vars.stderr
    # Neither reaches atlas: migrate-down reads no CLI_ARGS and no AMOUNT, so
    # both roll back one migration, and report success.
    rolled_back = "uv run atlas migrate down --env sqlalchemy --url"
    assert from_the_command_line.stdout.strip() == rolled_back
    assert from_vars.stdout.splitlines() == [
        "Dropping and recreating database...",
        rolled_back,
        "uv run atlas migrate apply --env sqlalchemy --url",
    ]
    # The page says what the stand-in shows, and nothing of what Atlas would
    # do with the command: Atlas cannot be installed here, so it never ran.
    page = prose(DOCS_DIR / "principles" / "tooling" / "taskfile.md")
    assert "With a stand-in `uv` that prints its arguments" in page
    assert f"both run `{rolled_back}`: no amount reaches atlas" in page
    assert "rolls back one migration" not in page
    verdict = yaml.safe_load((DOCS_DIR / "_data" / "verdicts.yml").read_text())[
        "taskfile-setup--yaml--db-reset"
    ]
    [defect] = [
        d["defect"]
        for d in verdict["defects"]
        if "test_migrate_down_drops_an_amount_however_it_is_passed" in d["tests"][0]
    ]
    assert "sees `atlas migrate down --env sqlalchemy --url` with no amount" in defect
    assert "rolled back" not in defect + verdict["correction"]


def test_test_cov_needs_pytest_cov_which_the_source_never_adds(
    tmp_path: Path,
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ok.py").write_text("def test_ok():\n    pass\n")
    command = source_text("taskfile-setup--yaml").split("- uv run pytest --cov=")[1]
    assert command.startswith("{{.SRC_DIR}} --cov-report=html")
    # The project's environment has pytest-cov; without it, as in a project set
    # up with the source's dev tools (pytest, pytest-asyncio), --cov is unknown.
    result = run_command(
        [sys.executable, "-m", "pytest", "-p", "asyncio", "--cov=src"],
        tmp_path,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
    )

    assert result.returncode == 4
    assert "error: unrecognized arguments: --cov=src" in result.stderr


def test_the_pre_commit_task_runs_pre_commit_outside_uv(
    source_taskfile: Path,
) -> None:
    # `uv add --dev pre-commit` installs it into the project's environment,
    # which `task` does not put on the PATH.
    env = {"PATH": path_without("pre-commit")}
    result = run_command([tool_path("task"), "pre-commit"], source_taskfile, **env)

    assert result.returncode != 0
    assert '"pre-commit": executable file not found in $PATH' in result.stderr


@pytest.fixture(scope="module")
def apt_cache() -> str:
    """apt-cache, once it is clear the package lists are there to ask.

    Without lists (no `apt-get update` since the image was built) apt-cache
    knows no package at all, and "no such package" would prove nothing.
    """
    apt_cache = shutil.which("apt-cache")
    if apt_cache is None:
        pytest.fail("apt-cache is needed: these tests check Debian's packages")
    python3 = run_command([apt_cache, "policy", "python3"], Path.cwd()).stdout
    if "Candidate:" not in python3 or "Candidate: (none)" in python3:
        pytest.fail(
            "the apt package lists are missing, so apt-cache knows no package: "
            "run `apt-get update` first (`task prerequisites` does, as root)",
            pytrace=False,
        )
    return apt_cache


def _ask(apt_cache: str, *args: str) -> str:
    result = run_command([apt_cache, *args], Path.cwd())
    return result.stdout + result.stderr


def test_debians_docker_compose_is_compose_v1(apt_cache: str) -> None:
    policy = _ask(apt_cache, "policy", "docker-compose")

    candidate = re.search(r"Candidate: (\S+)", policy)
    assert candidate, policy
    assert candidate[1].startswith("1."), policy


def test_debian_has_no_gitleaks_package(apt_cache: str) -> None:
    show = _ask(apt_cache, "show", "gitleaks")

    assert "E: No packages found" in show, show
    assert "Debian has no gitleaks package" in prose(
        DOCS_DIR / "principles" / "security" / "secrets.md"
    )
