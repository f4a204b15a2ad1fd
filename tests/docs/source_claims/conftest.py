"""The source's Taskfile, for the Taskfile tests and the current-tools tests."""

from pathlib import Path

import pytest

from tests.support.source_runs import source_text


@pytest.fixture
def source_taskfile(tmp_path: Path) -> Path:
    """A project directory holding the source's Taskfile.yml, as written."""
    (tmp_path / "Taskfile.yml").write_text(source_text("taskfile-setup--yaml"))
    return tmp_path
