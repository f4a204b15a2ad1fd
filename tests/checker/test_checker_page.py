"""The Checker page's examples are what the command prints.

Every ``console`` block on a page is a transcript: each command is run in a
copy of the example project it names and its output compared line by line
(transcripts.py). The page's settings block is read by the checker itself.
"""

import tomllib
from pathlib import Path

import pytest

from handbook.checker import catalogue, config
from handbook.content.docs_tree import DOCS_DIR, block_id, code_blocks
from handbook.content.fences import FencedBlock
from tests.checker.transcripts import prepare, run, steps

TRANSCRIPTS = [block for block in code_blocks() if block.language == "console"]
PAGE = DOCS_DIR / "checker.md"


@pytest.mark.parametrize("block", TRANSCRIPTS, ids=block_id)
def test_a_console_transcript_prints_what_the_page_says(
    block: FencedBlock, tmp_path: Path
) -> None:
    assert "example" in block.attrs, (
        f'{block}: name the project it runs in: example="<fixture>"'
    )
    project = prepare(block.attrs["example"], tmp_path)

    for step in steps(block):
        assert run(step.command, project) == step.expected, f"{block}: $ {step.command}"


def test_the_checker_page_shows_every_output_format_and_command() -> None:
    commands = [
        step.command
        for block in TRANSCRIPTS
        if block.path == PAGE
        for step in steps(block)
    ]
    joined = "\n".join(commands)

    for shown in (
        "--format json",
        "--format sarif",
        "--format github",
        "--write-baseline",
        "--baseline",
        "principles explain",
        "principles rules",
    ):
        assert shown in joined, shown


def test_the_settings_on_the_page_are_ones_the_checker_accepts(tmp_path: Path) -> None:
    block = next(
        b for b in code_blocks() if b.path == PAGE and b.title == "pyproject.toml"
    )
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(block.source, encoding="utf-8")

    settings = config.load(pyproject, catalogue.load())

    assert set(tomllib.loads(block.source)["tool"]["principles"]) == set(config.KEYS)
    assert settings.level == "should"
    assert settings.app == "shop.core.main:create_app"
    assert "DOC-DOCSTRINGS" not in settings.principle_ids(catalogue.load())
