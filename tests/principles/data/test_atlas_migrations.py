"""Evidence for DB-MIGRATIONS: Schema changes are versioned migrations, applied separately from start-up.

Each test reproduces a claim docs/principles/data/atlas-migrations.md makes,
against the real tool, library or service.
"""

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest
import yaml

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.app_role import libpq_url
from tests.support.pages import block_titled, prose
from tests.support.shop_fixtures import DatabaseFactory, load_script
from throwaway import postgres as postgres_provider

MIGRATIONS_PAGE = DOCS_DIR / "principles" / "data" / "atlas-migrations.md"


SNIPPETS = REPO_ROOT / "snippets"


def _path_without(executable: str) -> str:
    """This PATH minus the project's environment and any dir holding ``executable``."""
    venv_bin = Path(sys.executable).parent
    return os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and Path(entry) != venv_bin and not (Path(entry) / executable).exists()
    )


def test_the_sources_bare_python3_loader_fails_outside_the_project_environment() -> (
    None
):
    # What Atlas gets from the source's `program = ["python3", ...]` when it
    # is not started inside an activated project environment.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    }
    env["PATH"] = os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and Path(entry) != Path(sys.executable).parent
    )
    python3 = shutil.which("python3", path=env["PATH"])
    assert python3, "no python3 on PATH outside the project environment"
    result = subprocess.run(
        [python3, "scripts/load_models.py"],
        cwd=SNIPPETS,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    quoted = block_titled(
        MIGRATIONS_PAGE,
        "Output of python3 scripts/load_models.py, outside the project environment",
    )
    for line in quoted.source.strip().splitlines():
        if line.strip() != "...":
            assert line in result.stderr, (
                f"{MIGRATIONS_PAGE}:{quoted.line}: python3 no longer prints {line!r}:\n"
                f"{result.stderr}"
            )
    assert 'program = ["python3", "scripts/load_models.py"]' in prose(MIGRATIONS_PAGE)


def test_uv_run_atlas_fails_because_uv_does_not_install_atlas() -> None:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    # Atlas must not come with the project: no atlas in its environment.
    assert not (Path(sys.executable).parent / "atlas").exists()
    env = {**os.environ, "NO_COLOR": "1", "PATH": _path_without("atlas")}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [uv, "run", "atlas", "--help"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    quoted = block_titled(MIGRATIONS_PAGE, "Output of uv run atlas --help")
    assert quoted.source.strip() == result.stderr.strip(), (
        f"{MIGRATIONS_PAGE}:{quoted.line}: uv now prints:\n{result.stderr}"
    )


STAND_IN_ATLAS = """\
#!/bin/sh
# Stands in for Atlas: runs the source's external_schema program as written.
command -v python3
exec python3 scripts/load_models.py
"""


def test_uv_run_atlas_reaches_an_installed_atlas_and_its_bare_python3_is_the_venvs(
    tmp_path: Path,
) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    installed = tmp_path / "bin"
    installed.mkdir()
    (installed / "atlas").write_text(STAND_IN_ATLAS)
    (installed / "atlas").chmod(0o755)
    # Atlas installed on the PATH some other way; the project's environment
    # is not on it and not activated: only `uv run` can add it.
    path = os.pathsep.join([str(installed), _path_without("atlas")])
    env = {**os.environ, "NO_COLOR": "1", "PATH": path}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [uv, "run", "atlas", "migrate", "diff", "--env", "sqlalchemy"],
        cwd=SNIPPETS,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    python3, ddl = result.stdout.split("\n", 1)
    assert Path(python3).parent == Path(sys.executable).parent  # .venv/bin
    assert "CREATE TABLE users (" in ddl
    page = prose(MIGRATIONS_PAGE)
    assert "`uv run` puts `.venv/bin` first) and the loader works" in page
    assert "`uv run atlas` then reaches it" in page


def test_the_sources_setup_never_installs_atlas() -> None:
    source = (DOCS_DIR / "_data" / "source-document.md").read_text()
    checklist = source.split("## Quick Start Checklist\n\n", 1)[1].split("\n\n", 1)[0]
    install = yaml.safe_load(source.split("```yaml\n", 1)[1].split("```", 1)[0])

    assert "Run `task install` to setup dependencies" in checklist
    assert "Run `task migrate-up` to setup database" in checklist
    assert install["tasks"]["install"]["cmds"] == ["uv sync"]
    # No step installs Atlas: no checklist item, no install command anywhere.
    assert "atlas" not in checklist.replace("task migrate-up", "").lower()
    assert "atlasgo.sh" not in source
    assert "brew install" not in source
    assert "The source's Quick Start Checklist never installs Atlas" in prose(
        MIGRATIONS_PAGE
    )


def test_the_page_names_the_docker_dev_databases_major_of_each_atlas_hcl() -> None:
    source = (DOCS_DIR / "_data" / "source-document.md").read_text()
    reference = (SNIPPETS / "atlas.hcl").read_text()
    page = prose(MIGRATIONS_PAGE)

    (sources,) = set(re.findall(r"docker://postgres/(\d+)/dev", source))
    (ours,) = set(re.findall(r"#\s*dev = \"docker://postgres/(\d+)/dev", reference))
    assert f'`dev = "docker://postgres/{sources}/dev"` needs Docker' in page
    assert ours == str(postgres_provider.pinned_major())
    assert ours != sources
    assert (
        "keeps a `docker://` line as a comment, naming the PostgreSQL major"
        f" `compose.yaml` pins rather than the source's {sources}."
    ) in page


def test_migrations_are_their_own_task_and_the_app_never_runs_them() -> None:
    tasks = yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())["tasks"]

    assert any("scripts/apply_migrations.py" in cmd for cmd in tasks["migrate"]["cmds"])
    # `task app` runs `migrate` as a dependency, before uvicorn starts.
    assert "migrate" in tasks["app"]["deps"]
    assert not any("migrat" in cmd for cmd in tasks["app"]["cmds"])
    # Nothing in the service itself applies migrations or creates tables.
    for path in (SNIPPETS / "shop").rglob("*.py"):
        code = path.read_text()
        assert "apply_migrations" not in code, path
        assert "create_all" not in code, path
    page = prose(MIGRATIONS_PAGE)
    assert "`uv run task migrate`" in page
    assert "`uv run task app` runs `migrate` as a separate task" in page


def test_the_source_documents_the_commands_the_page_says_fail() -> None:
    source = (DOCS_DIR / "_data" / "source-document.md").read_text()

    assert 'program = ["python3", "scripts/load_models.py"]' in source
    assert "uv run atlas migrate diff --env sqlalchemy" in source


# --- why apply_migrations.py sets lock_timeout -------------------------------------------

apply_migrations = load_script("apply_migrations")
# Long enough to see the queue form on a loaded machine, short for a test.
SHORT_LOCK_TIMEOUT = "3s"
WAIT_LIMIT_SECONDS = 30


async def _until_waiting(monitor: asyncpg.Connection, table: str, count: int) -> None:
    """Return once ``count`` lock requests on ``table`` wait, not yet granted."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while (
        await monitor.fetchval(
            "SELECT count(*) FROM pg_locks WHERE relation = $1::regclass AND NOT granted",
            table,
        )
        != count
    ):
        assert time.monotonic() < deadline, f"never {count} waiting on {table}"
        await asyncio.sleep(0.02)


async def test_a_waiting_alter_table_holds_up_reads_of_its_table_until_it_gives_up(
    create_database: DatabaseFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apply_migrations, "LOCK_TIMEOUT", SHORT_LOCK_TIMEOUT)
    url = await create_database()
    (tmp_path / "20000101000000_orders.sql").write_text(
        "CREATE TABLE orders (id int);\n"
    )
    await apply_migrations.apply_migrations(url, tmp_path)
    (tmp_path / "20000102000000_order_note.sql").write_text(
        "ALTER TABLE orders ADD COLUMN note text;\n"
    )
    dsn = libpq_url(url)
    long_transaction, reader, monitor = [await asyncpg.connect(dsn) for _ in range(3)]
    try:
        async with long_transaction.transaction():
            await long_transaction.fetch("SELECT * FROM orders")
            migrating = asyncio.create_task(
                apply_migrations.apply_migrations(url, tmp_path)
            )
            await _until_waiting(monitor, "orders", 1)  # the ALTER TABLE
            # A read alone would share the table with the long transaction;
            # it queues behind the waiting ALTER TABLE instead.
            reading = asyncio.create_task(
                reader.fetchval("SELECT count(*) FROM orders")
            )
            await _until_waiting(monitor, "orders", 2)
            assert not reading.done()
            done, _ = await asyncio.wait([migrating], timeout=WAIT_LIMIT_SECONDS)
            assert migrating in done, "the migration never gave up"
            assert isinstance(migrating.exception(), apply_migrations.MigrationError)
            # Once the migration gave up, the read goes through.
            assert await reading == 0
    finally:
        for connection in (long_transaction, reader, monitor):
            await connection.close()

    page = prose(MIGRATIONS_PAGE)
    assert (
        "an `ALTER TABLE` waiting for its lock behind a long transaction holds up"
        " even plain reads of the table that come after it"
    ) in page


def test_the_page_names_the_scripts_lock_timeout() -> None:
    seconds = apply_migrations.LOCK_TIMEOUT.removesuffix("s")

    assert seconds.isdigit()
    assert f"sets `lock_timeout` to {seconds} seconds" in prose(MIGRATIONS_PAGE)
