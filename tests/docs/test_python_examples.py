"""Every inline Python block on every page runs, prints what it says, and is clean.

Blocks that include code from files (``--8<--``) are tested where that code
lives; see test_snippet_includes.py.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples
from pytest_examples.config import ExamplesConfig
from pytest_examples.lint import black_format
from pytest_examples.run_code import comment_prefix_re as OUTPUT_LINE
from pytest_examples.run_code import find_print_location

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, markdown_pages
from handbook.content.fences import INCLUDE_LINE, parse_info

NOT_RUN = "no-run"
NOT_RUN_TITLE_PREFIX = "Not run: "
# Opt-outs are allowed but must stay rare.
MAX_NOT_RUN = 3


def _is_include(example: CodeExample) -> bool:
    return any(INCLUDE_LINE.match(line) for line in example.source.splitlines())


def inline_examples() -> list[CodeExample]:
    examples = [example for page in markdown_pages() for example in find_examples(page)]
    return [example for example in examples if not _is_include(example)]


def _classes_and_attrs(
    example: CodeExample,
) -> tuple[frozenset[str], dict[str, str]]:
    _, classes, attrs = parse_info(example.prefix)
    return classes, attrs


@contextmanager
def located(example: CodeExample) -> Iterator[None]:
    """Prefix any failure with the page and line of the block."""
    message = None
    try:
        yield
    except pytest.fail.Exception as failure:
        message = failure.msg
    if message is not None:
        line = _first_changed_line(message) or example.start_line
        where = f"{example.path.relative_to(DOCS_DIR.parent)}:{line}"
        pytest.fail(f"{where}: {message}", pytrace=False)


def _first_changed_line(message: str) -> int | None:
    """The page line of the first '-' line in pytest-examples' diff.

    Its hunk headers count lines of the Markdown file itself.
    """
    hunk = re.search(r"@@ -(\d+),\d+ ", message)
    if not hunk:
        return None
    line = int(hunk[1])
    for diff_line in message[hunk.end() :].splitlines()[1:]:
        marker = diff_line[2:3]  # the diff is indented by two spaces
        if marker == "-":
            return line
        if marker == " ":
            line += 1
    return None


def _id(example: CodeExample) -> str:
    return f"{example.path.relative_to(DOCS_DIR).as_posix()}:{example.start_line}"


EXAMPLES = inline_examples()
RUNNABLE = [e for e in EXAMPLES if NOT_RUN not in _classes_and_attrs(e)[0]]


@pytest.fixture
def eval_example(
    eval_example: EvalExample, monkeypatch: pytest.MonkeyPatch
) -> EvalExample:
    """pytest-examples configured like this repository's ruff settings.

    ruff reads the example from stdin and finds pyproject.toml from the
    current directory: lint from the repository root, so the examples meet
    the same rule selection as the code (isort's first-party `shop` included).
    """
    monkeypatch.chdir(REPO_ROOT)
    eval_example.set_config(
        line_length=88,
        quotes="double",
        # pytest-examples types this as a Literal that stops at "py311";
        # the ruff it runs knows py312.
        target_version="py312",  # type: ignore[arg-type]
        isort=True,
        upgrade=True,
        ruff_ignore=["S101"],
    )
    return eval_example


@pytest.fixture
def isolated_environment(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Examples set os.environ the way a deployment would; undo it after each.

    They also run in an empty directory, so a developer's own .env file
    cannot change what an example prints.
    """
    request.getfixturevalue("eval_example")  # it moves to the repo root first
    saved = dict(os.environ)
    monkeypatch.chdir(tmp_path)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_example_is_linted_and_formatted(
    example: CodeExample, eval_example: EvalExample
) -> None:
    with located(example):
        eval_example.lint(example)


def test_black_keeps_the_output_lines_that_ruff_s_formatter_rewrites() -> None:
    """Why pytest-examples' black check, not ``ruff format``, holds the
    examples' format (docs/index.md): the printed-output lines survive it."""
    source = 'print("ok")\n#> ok\n'
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "example.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ruff.stdout == 'print("ok")\n# > ok\n'
    assert black_format(source, ExamplesConfig()) == source
    assert "format-checked by pytest-examples with black" in " ".join(
        (DOCS_DIR / "index.md").read_text().split()
    )


@pytest.mark.parametrize("example", RUNNABLE, ids=_id)
@pytest.mark.usefixtures("isolated_environment")
def test_example_runs_and_prints_what_the_page_says(
    example: CodeExample, eval_example: EvalExample
) -> None:
    with located(example):
        printed_after = _run_print_check(example, eval_example)
        _check_every_output_was_printed(example, printed_after)


def _run_print_check(example: CodeExample, eval_example: EvalExample) -> set[int]:
    """``eval_example.run_print_check(example)``; the lines prints wrote after.

    pytest-examples rewrites the ``#>`` output of every print that ran and
    compares: an output under a print that never ran (in an ``except`` the
    code no longer reaches, say) is left as written, and passes. Where the
    prints that did run put their output (1-based lines of the block) is
    what tells the two apart. Its own steps, through its private ``_run``
    (pinned by uv.lock), since ``run_print_check`` returns neither.
    """
    example.test_id = eval_example._test_id
    printing, _ = eval_example._run(example, "check", None, True, None)
    printing.check_print_statements(example)
    return {
        find_print_location(example, statement.line_no)[0]
        for statement in printing.print_statements()
    }


def _check_every_output_was_printed(
    example: CodeExample, printed_after: set[int]
) -> None:
    """Every ``#>`` block follows a print that ran: no output is promised in vain."""
    lines = example.source.splitlines()
    for index, line in enumerate(lines):
        if not OUTPUT_LINE.match(line) or (
            index and OUTPUT_LINE.match(lines[index - 1])
        ):
            continue  # not the first line of an output block
        if index not in printed_after:  # the line above it, 1-based
            page_line = example.start_line + index + 1
            pytest.fail(
                f"the output at line {page_line} ({line.strip()!r}) was never "
                "printed: the print above it did not run",
                pytrace=False,
            )


def test_an_output_whose_print_never_ran_fails_the_check(
    eval_example: EvalExample, tmp_path: Path
) -> None:
    promised = 'try:\n    int("12")\nexcept ValueError as error:\n    print(error)\n'
    example = CodeExample.create(
        promised + "    #> invalid literal for int()\n", path=tmp_path / "page.md"
    )

    printed_after = _run_print_check(example, eval_example)  # passes: nothing ran

    assert printed_after == set()
    with pytest.raises(pytest.fail.Exception, match=r"line 5 .* was never printed"):
        _check_every_output_was_printed(example, printed_after)


def test_every_opt_out_shows_its_reason_on_the_page() -> None:
    for example in EXAMPLES:
        classes, attrs = _classes_and_attrs(example)
        if NOT_RUN in classes:
            title = attrs.get("title", "")
            where = f"{example.path}:{example.start_line}"
            wanted = f'a .no-run block needs title="{NOT_RUN_TITLE_PREFIX}<reason>"'
            assert title.startswith(NOT_RUN_TITLE_PREFIX), f"{where}: {wanted}"
            assert len(title) > len(NOT_RUN_TITLE_PREFIX) + 10, f"{where}: {wanted}"


def test_opt_outs_stay_rare() -> None:
    not_run = [_id(e) for e in EXAMPLES if NOT_RUN in _classes_and_attrs(e)[0]]
    assert len(not_run) <= MAX_NOT_RUN, f"{len(not_run)} blocks are not run: {not_run}"


def test_there_are_examples_to_test() -> None:
    assert len(EXAMPLES) >= 3, (
        "no inline Python examples found: is the docs/ path right?"
    )
