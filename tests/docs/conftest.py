"""Fixtures of the docs tests."""

import shutil
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.collection import Collection


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A scratch copy of docs/ to break on purpose."""
    return Path(shutil.copytree(DOCS_DIR, tmp_path / "docs"))


@pytest.fixture(scope="session")
def collection(collected_node_ids: frozenset[str]) -> Collection:
    """What pytest collects from the files the ledgers name, each file
    collected once per session (this run's own collection first)."""
    return Collection(collected_node_ids, REPO_ROOT)
