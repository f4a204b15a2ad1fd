"""Evidence for RUFF-CONFIG: Ruff lints and formats with an explicit rule selection.

Each test reproduces a claim docs/principles/tooling/ruff-lint-format.md makes,
against the real tool, library or service.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml
from identify.identify import tags_from_path

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, tracked_files
from handbook.content.fences import find_fences
from tests.support.linting import (
    ruff_check_code,
    ruff_codes_with_the_sources_configuration,
)
from tests.support.pages import block_titled, prose
from tests.support.source_code import source_python_files

RUFF_PAGE = DOCS_DIR / "principles" / "tooling" / "ruff-lint-format.md"


def test_ruff_without_a_selection_enables_more_than_400_rules(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text('"""A module."""\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--show-settings",
            "module.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    enabled = result.stdout.split("linter.rules.enabled = [", 1)[1].split("]", 1)[0]
    count = sum(1 for line in enabled.splitlines() if line.strip())
    assert count > 400, (
        f"ruff now enables {count} rules by default; fix the claim in {RUFF_PAGE}"
    )
    assert "more than 400 rules" in RUFF_PAGE.read_text()


def test_the_page_lists_what_ruff_reports_on_the_sources_python(tmp_path: Path) -> None:
    found = ruff_codes_with_the_sources_configuration(source_python_files(), tmp_path)
    listed = block_titled(
        RUFF_PAGE,
        "Rule codes ruff check reports on the source's Python, with the source's configuration",
    ).source

    assert listed.splitlines() == [
        f"{name} {' '.join(codes)}" for name, codes in found.items()
    ]


def test_the_repositorys_rules_are_selected_explicitly_in_the_lint_table() -> None:
    """An explicit selection, not ruff's defaults plus additions.

    Deprecated top-level settings are caught by the config check of
    tests/test_repository.py, which fails on any warning ruff prints.
    """
    ruff = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["ruff"]

    assert ruff.get("lint", {}).get("select"), "no select in [tool.ruff.lint]"
    assert "extend-select" not in ruff["lint"]
    assert "List the rule families you want under `[tool.ruff.lint]`" in " ".join(
        RUFF_PAGE.read_text().split()
    )


def test_ruff_is_locked_at_one_version_and_every_check_runs_that_one() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert any(r.startswith("ruff") for r in pyproject["dependency-groups"]["dev"])
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    [locked] = [p["version"] for p in lock["package"] if p["name"] == "ruff"]
    installed = subprocess.run(
        [sys.executable, "-m", "ruff", "--version"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert installed == ["ruff", locked]

    # The tasks and the git hooks run that environment's ruff, never their own.
    taskfile = yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())
    task_commands = [
        c for task in taskfile["tasks"].values() for c in task.get("cmds", [])
        if isinstance(c, str) and "ruff" in c.split()
    ]  # fmt: skip
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    ruff_hooks = [
        (repo["repo"], hook.get("entry", ""))
        for repo in config["repos"] for hook in repo["hooks"]
        if "ruff" in hook["id"]
    ]  # fmt: skip
    assert task_commands
    assert all(c.startswith("uv run ruff ") for c in task_commands), task_commands
    assert ruff_hooks
    assert all(
        repo == "local" and entry.startswith("uv run ruff ")
        for repo, entry in ruff_hooks
    ), ruff_hooks
    assert "ruff is a locked dev dependency, so every machine runs the same" in (
        prose(RUFF_PAGE)
    )


CALLS_IN_DEFAULTS = """\
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import Depends, Query


def get_db() -> Any:
    return None


def list_orders(db: Any = Depends(get_db), limit: int = Query(20)) -> Any:
    return db, limit


def stamp(at: datetime = datetime.now(UTC), event_id: UUID = uuid4()) -> Any:
    return at, event_id
"""


def test_b008_spares_fastapis_declarations_and_still_flags_other_calls() -> None:
    result = ruff_check_code(
        CALLS_IN_DEFAULTS, "snippets/shop/orders/router.py", "--output-format", "json"
    )
    flagged = sorted(
        (d["location"]["row"], d["location"]["column"])
        for d in json.loads(result.stdout)
        if d["code"] == "B008"
    )
    lines = CALLS_IN_DEFAULTS.splitlines()
    stamp = next(n for n, line in enumerate(lines, 1) if line.startswith("def stamp"))
    # Both calls in stamp's defaults, and nothing on list_orders' line.
    assert flagged == [
        (stamp, lines[stamp - 1].index(call) + 1)
        for call in ("datetime.now", "uuid4()")
    ]
    assert "which keeps `B008` useful everywhere else" in prose(RUFF_PAGE)


def _files_pre_commit_passes(hook: dict[str, Any], tracked: list[str]) -> list[str]:
    """The tracked files pre-commit names to ``hook``: its files, exclude and types."""
    return [
        name
        for name in tracked
        if (REPO_ROOT / name).is_file()
        and re.search(hook.get("files", ""), name)
        and not re.search(hook.get("exclude", "^$"), name)
        and set(hook.get("types", [])) <= tags_from_path(str(REPO_ROOT / name))
    ]


def test_the_pre_commit_hooks_pass_where_ruff_check_dot_passes() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    assert "exclude" not in config  # no top-level exclude to apply as well
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    tracked = tracked_files()
    # Each hook's command in check mode, on the files pre-commit would name:
    # the fixture projects' own [tool.ruff] applies to a file named this way.
    for hook_id, check in (
        ("ruff-check", ["check", "--force-exclude", "--no-fix"]),
        ("ruff-format", ["format", "--check", "--force-exclude"]),
    ):
        files = _files_pre_commit_passes(hooks[hook_id], tracked)
        assert "snippets/shop/core/main.py" in files
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *check, *files], cwd=REPO_ROOT,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{hook_id}:\n{result.stdout}{result.stderr}"
    assert (
        "run the same check locally, in pre-commit and in CI" in RUFF_PAGE.read_text()
    )


def test_ruff_warns_on_the_pages_dont_block_with_the_lines_the_page_quotes(
    tmp_path: Path,
) -> None:
    """The Don't block as a project's pyproject.toml: each line the page
    quotes after it is a line of ruff's warning, on each run."""
    blocks = list(find_fences(RUFF_PAGE))
    [dont] = [
        b for b in blocks
        if b.attrs.get("title") == "pyproject.toml" and "invalid" in b.classes
    ]  # fmt: skip
    [quoted] = [b for b in blocks if b.source.startswith("warning: ")]
    (tmp_path / "pyproject.toml").write_text(dont.source)
    (tmp_path / "orders.py").write_text('"""Orders."""\n')

    def ruff_check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "orders.py"],
            cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip

    runs = [ruff_check(), ruff_check()]

    for result in runs:
        assert result.returncode == 0, result.stdout + result.stderr
        printed = result.stderr.splitlines()
        for line in quoted.source.strip("\n").splitlines():
            assert line in printed, (
                f"{RUFF_PAGE}:{quoted.line}: {line!r}\n{result.stderr}"
            )
    assert "the tests of this page run ruff on this block and check the warning" in (
        prose(RUFF_PAGE)
    )
