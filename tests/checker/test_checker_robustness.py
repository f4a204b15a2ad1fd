"""Bad input gets a finding or a warning that names the file, never a traceback.

Exit codes: 0 clean, 1 findings, 2 usage errors, unreadable input, or a
tool that is missing or fails (the result would be incomplete, so it is
never a pass).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.checker import tools
from tests.checker.checker_support import check, git_repository

ENGINE_AT_IMPORT = '"""Orders."""\n\nfrom sqlalchemy import create_engine\n\nengine = create_engine("postgresql://shop@db/shop")\n'
PYPROJECT = '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.principles]\nselect = ["STRUCT-DEPENDS", "ASYNC-NO-BLOCKING"]\n'


def principles(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "handbook.checker", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small service with one finding, in orders.py."""
    root = tmp_path / "shop"
    (root / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "shop" / "__init__.py").write_text('"""The shop."""\n', encoding="utf-8")
    (root / "shop" / "orders.py").write_text(ENGINE_AT_IMPORT, encoding="utf-8")
    return root


def test_a_syntax_error_is_reported_with_its_line_and_the_rest_is_still_checked(
    project: Path,
) -> None:
    (project / "shop" / "broken.py").write_text(
        '"""Half written."""\n\ndef total(:\n', encoding="utf-8"
    )

    result = principles("check", ".", cwd=project)

    assert "not checked: shop/broken.py:3: syntax error" in result.stdout
    assert "STRUCT-DEPENDS must shop/orders.py:5:1" in result.stdout
    assert result.returncode == 2


def test_a_file_that_is_not_utf8_is_reported_with_the_byte_and_line(
    project: Path,
) -> None:
    (project / "shop" / "legacy.py").write_bytes(
        b'"""Prices."""\n\nCURRENCY = "\xa3"\n'
    )

    result = principles("check", ".", cwd=project)

    assert (
        "not checked: shop/legacy.py: not UTF-8 (byte 0xa3 on line 3)" in result.stdout
    )
    assert result.returncode == 2


def test_a_binary_file_named_like_source_is_reported(project: Path) -> None:
    (project / "shop" / "compiled.py").write_bytes(b"\x00\x01\x02binary")

    result = principles("check", ".", cwd=project)

    assert "not checked: shop/compiled.py: binary content" in result.stdout
    assert result.returncode == 2


def test_a_huge_file_is_skipped_with_a_warning_not_read(project: Path) -> None:
    generated = project / "shop" / "generated.py"
    generated.write_text(
        "VALUES = [\n" + "    1,\n" * 400_000 + "]\n", encoding="utf-8"
    )

    result = principles("check", ".", cwd=project)

    size = f"{generated.stat().st_size:,} bytes, over the 2,000,000-byte limit"
    assert f"not checked (nothing to check): shop/generated.py: {size}" in result.stdout
    assert result.returncode == 1  # the finding in orders.py; the skip is a warning


def test_a_symlink_loop_is_reported_and_not_followed(project: Path) -> None:
    (project / "shop" / "loop.py").symlink_to(project / "shop" / "loop_back.py")
    (project / "shop" / "loop_back.py").symlink_to(project / "shop" / "loop.py")
    (project / "shop" / "again").symlink_to(project / "shop", target_is_directory=True)

    result = principles("check", ".", cwd=project)

    assert "not checked: shop/loop.py: cannot be read" in result.stdout
    assert "STRUCT-DEPENDS must shop/orders.py:5:1" in result.stdout
    assert result.returncode == 2


def test_a_repository_without_pyproject_is_checked_with_a_warning(
    tmp_path: Path,
) -> None:
    (tmp_path / "orders.py").write_text(ENGINE_AT_IMPORT, encoding="utf-8")

    result = principles("check", ".", "--select", "STRUCT-DEPENDS", cwd=tmp_path)

    assert "warning: no pyproject.toml at or above ." in result.stderr
    assert "STRUCT-DEPENDS must orders.py:5:1" in result.stdout
    assert result.returncode == 1


def test_a_missing_tool_leaves_its_rules_not_checked_never_passed(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tools, "find", lambda _name: None)
    (project / "shop" / "orders.py").write_text(
        '"""Orders."""\n\nasync def wait() -> None:\n    import time\n\n    time.sleep(1)\n',
        encoding="utf-8",
    )

    run = check(project, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)

    not_checked = run.report["not_checked"]
    assert [n["reason"] for n in not_checked] == [
        f"ruff is not installed ({tools.INSTALL_HINT})"
    ]
    assert {r["code"] for r in not_checked[0]["rules"]} == {"ASYNC2*", "FAST002"}
    assert not_checked[0]["failure"] is True
    assert run.exit_code == 2


def test_a_tool_that_fails_leaves_its_rules_not_checked(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "ruff"
    broken.write_text(
        "#!/bin/sh\necho 'ruff: configuration error' >&2\nexit 2\n", encoding="utf-8"
    )
    broken.chmod(0o755)
    monkeypatch.setattr(tools, "find", lambda _name: str(broken))

    run = check(project, "--format", "text", monkeypatch=monkeypatch, capsys=capsys)

    assert "not checked: ruff failed (exit 2): ruff: configuration error." in run.stdout
    assert "ASYNC-NO-BLOCKING (ruff ASYNC2*)" in run.stdout
    assert run.exit_code == 2


def test_an_app_that_cannot_be_imported_leaves_the_openapi_rules_not_checked(
    project: Path,
) -> None:
    result = principles(
        "check",
        ".",
        "--stage",
        "all",
        "--select",
        "API-ETAG",
        "--app",
        "shop.missing:app",
        cwd=project,
    )

    assert (
        "not checked: app shop.missing:app (--app): ModuleNotFoundError: No module named 'shop.missing'"
        in result.stdout
    )
    assert result.returncode == 2


def test_the_app_is_imported_by_the_projects_interpreter_not_the_checkers(
    project: Path,
) -> None:
    # The app needs a package only the project's environment holds: its
    # .venv/bin/python sees it, the checker's own interpreter does not.
    only_in_the_project = project / "site-packages"
    only_in_the_project.mkdir()
    (only_in_the_project / "shop_payments_sdk.py").write_text(
        '"""A dependency of the app, not of the checker."""\n', encoding="utf-8"
    )
    (project / "shop" / "main.py").write_text(
        '"""The app."""\n\nimport shop_payments_sdk  # noqa: F401\n'
        "from fastapi import FastAPI\n\napp = FastAPI()\n",
        encoding="utf-8",
    )
    venv_python = project / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(
        f'#!/bin/sh\nPYTHONPATH="{only_in_the_project}" exec "{sys.executable}" "$@"\n',
        encoding="utf-8",
    )
    venv_python.chmod(0o755)
    with pytest.raises(ModuleNotFoundError):
        __import__("shop_payments_sdk")

    result = principles(
        "check",
        ".",
        "--stage",
        "all",
        "--select",
        "API-ETAG",
        "--app",
        "shop.main:app",
        cwd=project,
    )

    assert "not checked" not in result.stdout, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            'colour = "always"',
            "pyproject.toml:6: unknown setting 'colour' in [tool.principles]",
        ),
        (
            'select = ["API-PAGES"]',
            "pyproject.toml:6: 'select': 'API-PAGES' is neither a principle ID nor an area",
        ),
        (
            'level = "nice-to-have"',
            "pyproject.toml:6: level 'nice-to-have' is not one of must, should, consider",
        ),
        ('exclude = "legacy"', "pyproject.toml:6: 'exclude' must be a list of strings"),
        ("select = [", "pyproject.toml:6: not valid TOML"),
    ],
    ids=["unknown-key", "unknown-id", "bad-level", "not-a-list", "not-toml"],
)
def test_a_bad_setting_is_a_usage_error_naming_file_and_line(
    project: Path, setting: str, message: str
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.principles]\n'
        + setting
        + "\n",
        encoding="utf-8",
    )

    result = principles("check", ".", cwd=project)

    assert message in result.stderr
    assert result.stdout == ""
    assert result.returncode == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["check", "nowhere"], "no such file or directory: nowhere"),
        (["check", ".", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (
            ["check", ".", "--app", "shop.main"],
            "--app 'shop.main': write module:attribute",
        ),
        (
            ["check", ".", "--select", "api,NOT-AN-ID"],
            "'--select': 'NOT-AN-ID' is neither a principle ID nor an area",
        ),
        (
            ["check", ".", "--level", "often"],
            "--level: level 'often' is not one of must, should, consider",
        ),
        (
            ["check", ".", "--baseline", "missing.json"],
            "missing.json: cannot read the baseline",
        ),
        (["explain", "API-PAGES"], "'API-PAGES' is not a principle ID"),
        (["lint"], "argument command: invalid choice: 'lint'"),
    ],
    ids=[
        "no-path",
        "format",
        "app",
        "select",
        "level",
        "baseline",
        "explain",
        "command",
    ],
)
def test_a_usage_error_exits_2_with_a_message(
    project: Path, arguments: list[str], message: str
) -> None:
    result = principles(*arguments, cwd=project)

    assert message in result.stderr
    assert result.returncode == 2


def test_a_baseline_that_is_not_one_is_a_usage_error(project: Path) -> None:
    (project / "baseline.json").write_text(
        '{"findings": "all of them"}', encoding="utf-8"
    )

    result = principles("check", ".", "--baseline", "baseline.json", cwd=project)

    assert "baseline.json: not a principles baseline (version 1)" in result.stderr
    assert result.returncode == 2


def test_exit_codes_are_0_clean_and_1_with_findings(project: Path) -> None:
    assert principles("check", ".", cwd=project).returncode == 1
    assert principles("check", ".", "--exit-zero", cwd=project).returncode == 0
    (project / "shop" / "orders.py").write_text('"""Orders."""\n', encoding="utf-8")
    assert principles("check", ".", cwd=project).returncode == 0


def test_outside_git_a_tracked_env_file_is_not_checked_rather_than_passed(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.principles]\nselect = ["SEC-SECRETS"]\n',
        encoding="utf-8",
    )
    (tmp_path / ".env").write_text("JWT_SECRET=a-real-one\n", encoding="utf-8")

    outside = principles("check", ".", cwd=tmp_path)
    git_repository(tmp_path)
    inside = principles("check", ".", cwd=tmp_path)

    assert "not checked (nothing to check): not a git work tree" in outside.stdout
    assert "SEC-SECRETS must .env:1:1 [principles tracked-env-file]" in inside.stdout
    assert inside.returncode == 1


def test_given_files_as_pre_commit_does_only_their_findings_are_reported(
    project: Path,
) -> None:
    (project / "shop" / "payments.py").write_text(
        ENGINE_AT_IMPORT.replace("Orders", "Payments"), encoding="utf-8"
    )

    result = principles("check", "--stage", "static", "shop/payments.py", cwd=project)

    assert "shop/payments.py:5:1" in result.stdout
    assert "shop/orders.py" not in result.stdout
    assert result.returncode == 1


def test_the_pre_commit_hook_manifest_is_valid() -> None:
    from handbook.content.docs_tree import REPO_ROOT
    from handbook.content.tools import tool_path

    result = subprocess.run(
        [tool_path("pre-commit"), "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruffs_own_noqa_comments_are_honoured_for_the_ruff_rules(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        PYPROJECT.replace(
            '"STRUCT-DEPENDS", "ASYNC-NO-BLOCKING"', '"ASYNC-NO-BLOCKING"'
        ),
        encoding="utf-8",
    )
    sleeper = '"""Reports."""\n\nimport time\n\n\nasync def export() -> None:\n    time.sleep(1){}\n'
    (project / "shop" / "reports.py").write_text(sleeper.format(""), encoding="utf-8")
    before = principles("check", ".", cwd=project)
    (project / "shop" / "reports.py").write_text(
        sleeper.format("  # noqa: ASYNC251"), encoding="utf-8"
    )
    after = principles("check", ".", cwd=project)

    assert "ASYNC-NO-BLOCKING must shop/reports.py:7:5 [ruff ASYNC251]" in before.stdout
    assert "ASYNC251" not in after.stdout
    assert after.returncode == 0


def test_files_git_ignores_are_not_checked(project: Path) -> None:
    (project / ".gitignore").write_text("generated/\n", encoding="utf-8")
    (project / "generated").mkdir()
    (project / "generated" / "orders.py").write_text(ENGINE_AT_IMPORT, encoding="utf-8")
    git_repository(project)

    result = principles("check", ".", cwd=project)

    assert "shop/orders.py:5:1" in result.stdout
    assert "generated/orders.py" not in result.stdout
