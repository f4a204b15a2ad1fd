"""The source's pre-commit hooks and ruff configuration, run with the real tools."""

import sys
from pathlib import Path

from tests.support.linting import ruff_check_code
from tests.support.source_runs import (
    run_command,
    source_text,
)

MODULE_WITH_OLD_TYPING = '''\
"""Orders."""

from typing import List


def skus(order: dict) -> List[str]:
    return order["skus"]
'''


def test_the_sources_ruff_hooks_leave_a_fixed_file_unformatted(tmp_path: Path) -> None:
    hooks = source_text("pre-commit-configuration--yaml")
    format_at = hooks.index("entry: uv run ruff format")
    check_at = hooks.index("entry: uv run ruff check --fix")
    assert format_at < check_at  # the formatter runs first, then the fixes
    (tmp_path / "pyproject.toml").write_text(
        source_text("pre-commit-configuration--toml")
    )
    (tmp_path / "orders.py").write_text(MODULE_WITH_OLD_TYPING)
    ruff = [sys.executable, "-m", "ruff"]

    assert run_command([*ruff, "format", "orders.py"], tmp_path).returncode == 0
    run_command([*ruff, "check", "--fix", "orders.py"], tmp_path)
    result = run_command([*ruff, "format", "--check", "orders.py"], tmp_path)

    # UP006 and F401 removed the import; the blank lines it leaves are wrong.
    assert "from typing" not in (tmp_path / "orders.py").read_text()
    assert result.returncode == 1
    assert "1 file would be reformatted" in result.stdout


def test_target_version_py311_hides_the_python_312_upgrades(tmp_path: Path) -> None:
    assert 'target-version = "py311"' in source_text("pre-commit-configuration--toml")
    alias = "from typing import TypeAlias\n\nOrderId: TypeAlias = int\n"
    as_311 = ruff_check_code(
        alias, "ids.py", "--isolated", "--select", "UP", "--target-version", "py311",
        cwd=tmp_path,
    )  # fmt: skip
    as_312 = ruff_check_code(
        alias, "ids.py", "--isolated", "--select", "UP", "--target-version", "py312",
        cwd=tmp_path,
    )  # fmt: skip

    assert as_311.returncode == 0, as_311.stdout
    assert "UP040 Type alias `OrderId` uses `TypeAlias` annotation" in as_312.stdout
