"""The source's configuration module, imported and run."""

from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from tests.support.linting import (
    ruff_check_code,
)
from tests.support.source_runs import (
    source_settings_module,
    source_text,
)


def test_the_sources_lru_cache_call_is_flagged_by_pyupgrade(tmp_path: Path) -> None:
    result = ruff_check_code(
        source_text("configuration-management--python"),
        "config.py",
        "--isolated",
        "--select",
        "UP011",
        cwd=tmp_path,
    )

    assert result.returncode == 1
    assert "UP011 [*] Unnecessary parentheses to `functools.lru_cache`" in result.stdout


def test_the_sources_settings_print_the_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(DOCS_DIR)  # no .env here
    settings = source_settings_module().Settings(
        database_url="postgresql://shop@db.internal:5432/shop",
        secret_key="c5Yh8Rt2Wq9Zp4Lm7Xv3Bn6Kd1Fs0Gj",  # noqa: S106 - a made-up key
    )

    assert "secret_key='c5Yh8Rt2Wq9Zp4Lm7Xv3Bn6Kd1Fs0Gj'" in repr(settings)
