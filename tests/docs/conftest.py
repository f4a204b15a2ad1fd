"""Fixtures of the docs tests."""

import shutil
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A scratch copy of docs/ to break on purpose."""
    return Path(shutil.copytree(DOCS_DIR, tmp_path / "docs"))
