"""Specification: the project's tools are found in its environment first."""

import sys
from pathlib import Path

import pytest

from handbook.content.tools import ToolMissing, find_tool, tool_path


def test_a_tool_of_the_environment_comes_before_one_on_path() -> None:
    assert tool_path("ruff") == str(Path(sys.executable).parent / "ruff")


def test_a_missing_tool_is_none_to_look_for_and_an_error_to_need() -> None:
    assert find_tool("no-such-tool-anywhere") is None
    with pytest.raises(ToolMissing, match="run `uv sync` to get the project's tools"):
        tool_path("no-such-tool-anywhere")


def test_a_file_beside_the_interpreter_that_cannot_run_is_not_the_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "python").touch()
    (tmp_path / "git").write_text("not a program\n")  # no execute bit
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))

    assert find_tool("git") != str(tmp_path / "git")
