"""Evidence for SEC-SECRETS: Secrets never reach the repository.

Each test reproduces a claim docs/principles/security/secrets.md makes,
against the real tool, library or service.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, tracked_files
from handbook.content.tools import tool_path
from shop.core.config import Settings
from tests.support.app_role import assert_rows_but_not_schema, run_app_role_sql
from tests.support.git_repos import scratch_repo
from tests.support.linting import ruff_check_code
from tests.support.pages import block_titled, prose
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    DatabaseFactory,
    load_script,
)
from tests.support.source_code import source_block_starting

SECRETS_PAGE = DOCS_DIR / "principles" / "security" / "secrets.md"


TIMEOUT_SECONDS = 300


def _assert_quoted(page: Path, title: str, output: str) -> None:
    """Every line the page quotes under ``title`` is in the tool's output."""
    quoted = block_titled(page, title)
    for line in quoted.source.strip().splitlines():
        if line.strip() and line.strip() != "...":
            assert line in output, (
                f"{page}:{quoted.line}: the tool no longer prints {line!r}:\n{output}"
            )


def test_the_env_file_is_ignored_by_git_as_the_page_shows() -> None:
    result = subprocess.run(
        [tool_path("git"), "check-ignore", "-v", "snippets/.env"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, "snippets/.env is not ignored by git"
    quoted = block_titled(SECRETS_PAGE, "Output of git check-ignore -v")
    assert quoted.source.strip() == result.stdout.strip(), (
        f"{SECRETS_PAGE}:{quoted.line}"
    )


def test_the_secret_hook_blocks_the_hard_coded_credential(tmp_path: Path) -> None:
    draft = block_titled(
        SECRETS_PAGE, "snippets/shop/core/settings_draft.py (never committed)"
    )
    name = "snippets/shop/core/settings_draft.py"
    repo = scratch_repo(
        tmp_path / "repo",
        {
            name: draft.source,
            ".secrets.baseline": (REPO_ROOT / ".secrets.baseline").read_text(),
        },
    )
    hook = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    entry = next(
        h["entry"]
        for r in hook["repos"]
        for h in r["hooks"]
        if h["id"] == "detect-secrets"
    )
    assert entry == "uv run detect-secrets-hook --baseline .secrets.baseline"
    result = subprocess.run(
        [tool_path("detect-secrets-hook"), "--baseline", ".secrets.baseline", name],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    _assert_quoted(
        SECRETS_PAGE, "Output of the detect-secrets hook", result.stdout + result.stderr
    )


def test_ruff_reports_the_secret_default_but_not_the_password_in_the_url() -> None:
    draft = block_titled(
        SECRETS_PAGE, "snippets/shop/core/settings_draft.py (never committed)"
    ).source
    unsuppressed = re.sub(r"  # noqa: .*", "", draft)
    result = ruff_check_code(
        unsuppressed,
        "snippets/shop/core/settings_draft.py",
        "--select",
        "S",
        "--output-format",
        "concise",
    )

    findings = re.findall(r"settings_draft\.py:(\d+):\d+: (\w+)", result.stdout)
    assert findings == [("6", "S105")], result.stdout
    assert "postgres://shop:" in draft.splitlines()[4]
    assert "reports the secret on line 6" in prose(SECRETS_PAGE)
    assert "but not the password inside the URL on line 5" in prose(SECRETS_PAGE)


PAGES_SCAN_COMMAND = (
    "uv run detect-secrets scan --exclude-files '^uv\\.lock$' > .secrets.baseline"
)


def _pages_scan(cwd: Path) -> dict[str, Any]:
    """The page's regeneration command, to stdout instead of over the file."""
    assert PAGES_SCAN_COMMAND in SECRETS_PAGE.read_text()
    result = subprocess.run(
        [tool_path("detect-secrets"), "scan", "--exclude-files", "^uv\\.lock$"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]  # JSON object


# The page's command regenerates the committed baseline. What a scan records
# is its settings (plugins, filters) and its findings. The settings do not
# depend on the files, so the command runs for real in an empty repository.
# The findings are pinned by tests/test_repository.py's
# test_no_secret_is_committed: it runs the hook over every file the command
# scans, and the hook rewrites a baseline whose findings differ (a new
# secret, a stale entry, a moved line) and exits non-zero. A scan of the
# whole repository is 16 s of CPU, so the suite runs one, not two.


def test_the_pages_scan_command_records_the_baselines_plugins_and_filters(
    tmp_path: Path,
) -> None:
    fresh = _pages_scan(scratch_repo(tmp_path / "empty", {}))
    committed = json.loads((REPO_ROOT / ".secrets.baseline").read_text())

    assert fresh["plugins_used"] == committed["plugins_used"]
    assert fresh["filters_used"] == committed["filters_used"], (
        "the committed .secrets.baseline was not written by the page's command: "
        "regenerate it with that command"
    )


def test_the_baseline_lists_only_files_the_hook_scans() -> None:
    """The files the hook test scans, so that it sees every baseline entry."""
    committed = json.loads((REPO_ROOT / ".secrets.baseline").read_text())
    scanned = set(tracked_files()) - {"uv.lock", ".secrets.baseline"}

    assert set(committed["results"]) <= scanned, (
        "the committed .secrets.baseline names files that are gone: "
        "regenerate it with the page's command"
    )


def test_the_gitleaks_config_on_the_page_is_the_sources() -> None:
    shown = block_titled(SECRETS_PAGE, ".gitleaks.toml").source
    assert shown.strip() == source_block_starting("[extend]").strip()


def test_task_env_file_fills_in_a_random_jwt_secret(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "Taskfile.yml", tmp_path / "Taskfile.yml")
    (tmp_path / "snippets").mkdir()
    example = (REPO_ROOT / "snippets" / ".env.example").read_text()
    (tmp_path / "snippets" / ".env.example").write_text(example)
    subprocess.run(
        [tool_path("task"), "env-file"],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        check=True,
        timeout=TIMEOUT_SECONDS,
    )

    env = (tmp_path / "snippets" / ".env").read_text().splitlines()
    secret = next(line for line in env if line.startswith("JWT_SECRET="))
    assert "replace-me" not in secret
    assert len(secret.removeprefix("JWT_SECRET=")) >= 32
    # Everything else is copied as it is.
    assert [line for line in env if line != secret] == [
        line for line in example.splitlines() if not line.startswith("JWT_SECRET=")
    ]
    assert "`uv run task env-file` copies it to `snippets/.env`" in prose(SECRETS_PAGE)


# --- the app's own database role ---------------------------------------------------------

TASKFILE = REPO_ROOT / "Taskfile.yml"
ENV_EXAMPLE = REPO_ROOT / "snippets" / ".env.example"


def test_db_start_creates_the_apps_role_from_the_file_compose_runs() -> None:
    commands = yaml.safe_load(TASKFILE.read_text())["tasks"]["db-start"]["cmds"]
    runs_the_file = [
        command
        for command in map(str, commands)
        if '--file "{{.ROOT_DIR}}/snippets/db/app_role.sql"' in command
    ]

    assert len(runs_the_file) == 1
    # Stops at the first error, as the postgres image's entrypoint does.
    assert "-v ON_ERROR_STOP=1" in runs_the_file[0]
    # Nothing else in db-start creates or grants to a role.
    assert not any(
        word in str(command)
        for command in commands
        for word in ("CREATE ROLE", "GRANT", "ALTER DEFAULT")
    )


async def test_the_example_role_may_change_rows_but_not_the_schema(
    create_database: DatabaseFactory, settings: Settings
) -> None:
    role = make_url(
        # .env.example sets DATABASE_URL (its own test checks); dotenv types values as optional.
        dotenv_values(ENV_EXAMPLE)["DATABASE_URL"]  # type: ignore[arg-type]
    ).username
    database = await create_database()
    # As `task db-start` (its role file, without SHOP_APP_PASSWORD), then
    # `task migrate` (as postgres), do it.
    run_app_role_sql(database, {})
    run_app_role_sql(database, {})  # db-start runs it on every start
    await load_script("apply_migrations").apply_migrations(database, MIGRATIONS_DIR)
    # The test server trusts local connections, as db-start's does.
    as_role = make_url(database).set(username=role).render_as_string()

    await assert_rows_but_not_schema(settings, as_role)
    page = prose(SECRETS_PAGE)
    assert "`SELECT`, `INSERT` and `UPDATE` on the tables and nothing else" in page
    assert "cannot create a table, not even a temporary one" in page


def test_a_secret_deleted_in_a_later_commit_is_still_in_every_clone(
    tmp_path: Path,
) -> None:
    git = tool_path("git")
    origin = tmp_path / "origin"
    origin.mkdir()

    def run(*args: str, cwd: Path = origin) -> str:
        return subprocess.run(
            [git, "-c", "user.name=Ada", "-c", "user.email=ada@example.com", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    leaked = secrets.token_urlsafe(32)
    run("init", "--quiet")
    (origin / "settings.py").write_text(f'JWT_SECRET = "{leaked}"\n')
    run("add", "settings.py")
    run("commit", "--quiet", "-m", "Add settings")
    (origin / "settings.py").write_text("JWT_SECRET = None\n")
    run("commit", "--quiet", "-am", "Remove the secret")
    run("clone", "--quiet", str(origin), str(tmp_path / "clone"), cwd=tmp_path)

    clone = tmp_path / "clone"
    assert leaked not in (clone / "settings.py").read_text()
    assert leaked in run("log", "-p", "--all", cwd=clone)
    assert "deleting it in a later commit leaves it in the history" in prose(
        SECRETS_PAGE
    )
