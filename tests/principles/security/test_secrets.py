"""Evidence for SEC-SECRETS: Secrets never reach the repository.

Each test reproduces a claim docs/principles/security/secrets.md makes,
against the real tool, library or service.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml
from claims_support import block_titled, prose, scratch_repo, source_block_starting

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.validators import tool_path

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


def _findings(baseline: dict) -> set[tuple[str, str, str]]:
    return {
        (name, found["type"], found["hashed_secret"])
        for name, results in baseline["results"].items()
        for found in results
        if name != ".secrets.baseline"
    }


def test_the_pages_scan_command_reproduces_the_committed_baseline() -> None:
    command = (
        "uv run detect-secrets scan --exclude-files '^uv\\.lock$' > .secrets.baseline"
    )
    assert command in SECRETS_PAGE.read_text()
    # The same scan, to stdout instead of over the committed file.
    result = subprocess.run(
        [tool_path("detect-secrets"), "scan", "--exclude-files", "^uv\\.lock$"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    fresh = json.loads(result.stdout)
    committed = json.loads((REPO_ROOT / ".secrets.baseline").read_text())

    assert fresh["plugins_used"] == committed["plugins_used"]
    assert fresh["filters_used"] == committed["filters_used"]
    assert _findings(fresh) == _findings(committed), (
        "the committed .secrets.baseline is stale: regenerate it with the page's command"
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
