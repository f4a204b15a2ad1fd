"""The source's Python, linted with the source's own ruff configuration."""

import re
import sys
from pathlib import Path

import pytest

from tests.support.linting import ruff_codes_with_the_sources_configuration
from tests.support.source_code import source_python_files
from tests.support.source_runs import (
    run_command,
    source_text,
)

# What `ruff check` reports on each Python block of the source (the example
# implementation file by file), under the source's own pyproject.toml block.
# Each finding is its own test, so a verdict can name the one it rests on.
SOURCE_RUFF_FINDINGS = {
    "config.py": ["I001", "UP011", "W291", "W293"],
    "database.py": ["F821", "I001"],
    "conftest.py": ["F821", "SIM117"],
    "users/models.py": ["I001", "W293"],
    "users/schemas.py": ["I001", "W293"],
    "users/service.py": ["F401", "I001", "W293"],
    "users/router.py": ["F821", "I001"],
}


@pytest.fixture(scope="module")
def source_ruff_codes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return ruff_codes_with_the_sources_configuration(
        source_python_files(), tmp_path_factory.mktemp("source-ruff")
    )


def test_ruff_reports_exactly_these_findings_on_the_sources_python(
    source_ruff_codes: dict[str, list[str]],
) -> None:
    assert source_ruff_codes == SOURCE_RUFF_FINDINGS


@pytest.mark.parametrize(
    ("module", "code"),
    [(m, c) for m, codes in SOURCE_RUFF_FINDINGS.items() for c in codes],
    ids=[f"{m}-{c}" for m, codes in SOURCE_RUFF_FINDINGS.items() for c in codes],
)
def test_ruff_with_the_sources_own_configuration_reports(
    module: str, code: str, source_ruff_codes: dict[str, list[str]]
) -> None:
    assert code in source_ruff_codes[module]


def test_the_sources_ruff_configuration_finds_the_same_under_the_current_tables(
    tmp_path: Path, source_ruff_codes: dict[str, list[str]]
) -> None:
    files = source_python_files()
    ruff_codes_with_the_sources_configuration(files, tmp_path)
    config = tmp_path / "pyproject.toml"
    config.write_text(
        config.read_text()
        .replace(
            "line-length = 88\nselect", "line-length = 88\n\n[tool.ruff.lint]\nselect"
        )
        .replace("[tool.ruff.isort]", "[tool.ruff.lint.isort]")
        .replace("[tool.ruff.per-file-ignores]", "[tool.ruff.lint.per-file-ignores]")
    )
    result = run_command(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            *files,
        ],
        tmp_path,
    )
    assert "deprecated" not in result.stderr, result.stderr
    migrated = {m: sorted(set(re.findall(rf"^{re.escape(m)}:\d+:\d+: ([A-Z]+\d+)", result.stdout, re.M)))
                for m in files}  # fmt: skip
    # The layout changes the warning, not what is checked.
    assert "[tool.ruff.lint]" in config.read_text()
    assert migrated == source_ruff_codes


def test_the_sources_python_blocks_are_not_ruff_formatted(tmp_path: Path) -> None:
    blocks = {
        "config": "configuration-management--python",
        "database": "async-sqlalchemy-setup--python",
        "conftest": "transaction-isolation-pattern--python",
        "example": "example-implementation--python",
        "loader": "migration-strategy--python",
    }
    unformatted, unparsable = [], []
    (tmp_path / "pyproject.toml").write_text(
        source_text("pre-commit-configuration--toml")
    )
    for name, anchor in blocks.items():
        (tmp_path / f"{name}.py").write_text(source_text(anchor))
        result = run_command(
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--check",
                "--no-cache",
                f"{name}.py",
            ],
            tmp_path,
        )
        if "would be reformatted" in result.stdout:
            unformatted.append(name)
        elif "invalid-syntax" in result.stdout + result.stderr:
            unparsable.append(name)

    assert unformatted == ["config", "database", "conftest", "example"]
    assert unparsable == ["loader"]  # `from <project>.models import *`


def test_clearing_dependency_overrides_drops_the_overrides_of_other_fixtures() -> None:
    from fastapi import FastAPI

    conftest = source_text("transaction-isolation-pattern--python")
    assert "app.dependency_overrides.clear()" in conftest

    def get_db() -> None: ...
    def get_settings() -> None: ...

    app = FastAPI()
    app.dependency_overrides[get_settings] = lambda: "settings for this test"
    # The source's override_get_db, run to its teardown:
    app.dependency_overrides[get_db] = lambda: "session"
    app.dependency_overrides.clear()

    assert get_settings not in app.dependency_overrides
