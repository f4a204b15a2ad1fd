"""The source's setup instructions, run as written."""

import sys
from pathlib import Path

from tests.support.offline import offline
from tests.support.source_runs import (
    path_without,
    run_command,
    source_text,
)


def test_the_task_install_script_is_a_download(tmp_path: Path) -> None:
    line = next(
        line
        for line in source_text("setup-instructions--bash").splitlines()
        if "install.sh" in line
    )
    assert line == 'sh -c "$(curl --location https://taskfile.dev/install.sh)" -- -d'
    # The verdict quotes a machine without network.
    result = run_command(offline(["sh", "-c", line], host="taskfile.dev"), tmp_path)

    assert "curl: (6) Could not resolve host: taskfile.dev" in result.stderr
    assert not (tmp_path / "bin" / "task").exists()


def test_pre_commit_added_with_uv_is_not_on_the_shells_path(tmp_path: Path) -> None:
    assert "uv add --dev pre-commit" in source_text("setup-instructions--bash")
    assert (Path(sys.executable).parent / "pre-commit").exists()
    result = run_command(
        ["sh", "-c", "pre-commit install"], tmp_path, PATH=path_without("pre-commit")
    )

    assert result.returncode == 127
    assert "pre-commit: not found" in result.stderr
