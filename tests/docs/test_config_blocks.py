"""Every non-Python block is checked by the tool that owns its format.

``Taskfile.yml`` blocks go through ``task``, ``.pre-commit-config.yaml``
through ``pre-commit validate-config``, ``pyproject.toml`` through
validate-pyproject and ruff, shell through shellcheck; YAML, TOML, JSON and
HCL must parse. A block marked ``.invalid`` shows what NOT to write: it must
fail its check, so the page never claims an error that does not happen.
"""

from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, block_id, code_blocks
from handbook.content.fences import FencedBlock
from handbook.content.includes import expand
from handbook.content.validators import (
    TRANSCRIPT_LANGUAGES,
    InvalidBlock,
    Validator,
    validator_for,
)

CONFIG_BLOCKS = [
    block for block in code_blocks() if block.language not in ("python", "py")
]
SHOWN_INVALID = "invalid"


def _nginx() -> Validator:
    validate = validator_for("nginx", "nginx.conf")
    assert validate is not None, "no validator for nginx.conf"
    return validate


def _validate(block: FencedBlock, scratch: Path) -> None:
    validate = validator_for(block.language, block.title)
    if validate is not None:
        validate(expand(block), scratch)


@pytest.mark.parametrize(
    "block", [b for b in CONFIG_BLOCKS if SHOWN_INVALID not in b.classes], ids=block_id
)
def test_block_is_valid(block: FencedBlock, tmp_path: Path) -> None:
    try:
        _validate(block, tmp_path)
    except InvalidBlock as error:
        pytest.fail(f"{block}: {error}", pytrace=False)


@pytest.mark.parametrize(
    "block", [b for b in CONFIG_BLOCKS if SHOWN_INVALID in b.classes], ids=block_id
)
def test_block_shown_as_invalid_really_fails(
    block: FencedBlock, tmp_path: Path
) -> None:
    with pytest.raises(InvalidBlock) as failure:
        _validate(block, tmp_path)
    # error="..." on the fence: the page quotes the tool, so the tool must say it.
    expected = block.attrs.get("error")
    assert expected, f'{block}: an .invalid block needs error="<what the tool says>"'
    assert expected in str(failure.value), (
        f"{block}: the tool did not say {expected!r}:\n{failure.value}"
    )


def test_the_nginx_check_fails_where_nginx_does(tmp_path: Path) -> None:
    broken = "events {}\nhttp { client_header_timeout ten-seconds; }\n"

    with pytest.raises(
        InvalidBlock, match='"client_header_timeout" directive invalid value'
    ):
        _nginx()(broken, tmp_path)


def test_without_nginx_the_check_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda *_, **__: None)

    with pytest.raises(InvalidBlock, match="apt-get install nginx-light"):
        _nginx()("events {}\n", tmp_path)


def test_the_dockerfile_check_fails_on_a_style_finding(tmp_path: Path) -> None:
    # SC2006 (backticks) is a "style" finding: below hadolint's default
    # threshold, so hadolint alone would print it and exit 0.
    validate = validator_for("dockerfile", "Dockerfile")
    assert validate is not None, "no validator for Dockerfile"
    dockerfile = (
        "FROM python:3.13-slim-bookworm\n"
        "RUN echo `date` > /build-stamp\n"
        'CMD ["python", "-c", "print()"]\n'
    )

    with pytest.raises(InvalidBlock, match="SC2006 style"):
        validate(dockerfile, tmp_path)


# Blocks that are not code: program output, file trees, review comments.
PLAIN_TEXT = {"text", "console-output"}
# Markdown is shown only as quoted sections of the service's README, whose
# commands and layout tests/principles/documentation/test_service_readme.py checks.
CHECKED_MARKDOWN = "snippets/README.md:"


def test_every_code_block_of_the_site_has_a_check() -> None:
    """docs/index.md: "Every code block here is verified". Python blocks are
    run or quoted from tested files (test_python_examples.py,
    test_snippet_includes.py), console blocks are transcripts that are run
    (tests/checker/test_checker_page.py), and every other block goes to the
    tool its validator names; only plain text goes unchecked."""
    unchecked = [
        str(block)
        for block in code_blocks()
        if block.language not in ("python", "py", *TRANSCRIPT_LANGUAGES, *PLAIN_TEXT)
        and not (
            block.language == "markdown"
            and block.includes
            and all(target.startswith(CHECKED_MARKDOWN) for target in block.includes)
        )
        and validator_for(block.language, block.title) is None
    ]
    assert not unchecked, f"code blocks nothing checks: {unchecked}"
    home = " ".join((DOCS_DIR / "index.md").read_text().split())
    assert "**Every code block here is verified**:" in home
