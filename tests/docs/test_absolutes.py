"""Every absolute sentence on a page of the site is answered for in the ledger.

A sentence with "never", "always", "every", "only", "cannot" or "no
<noun>" names the test of the case that would break it, or is recorded as
a rule the page gives the reader, or is narrowed until it no longer claims
the absolute (``handbook/checks/absolutes.py`` says what counts). A new such
sentence, or a ledger entry whose sentence is gone, fails here naming the
file and line; ``uv run python -m handbook.tools.absolutes PAGE`` prints the
entries a page is missing.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from handbook.checks.absolutes import (
    LEDGER_FILE,
    Ledger,
    describe_stale,
    describe_unrecorded,
    ledger_pages,
    load_ledger,
    page_sentences,
    sentences,
    stale,
    unrecorded,
)
from handbook.content.docs_tree import REPO_ROOT
from handbook.content.locations import LocatedError, Location
from handbook.content.markdown_document import parse_document
from handbook.content.test_ids import is_collected
from handbook.tools.absolutes import main
from tests.support.collection import Collection

# The principle pages and the general ones (the home page, code review...).
PAGES = ledger_pages(REPO_ROOT)


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    # Loading checks each named test: its file exists and defines the test.
    return load_ledger(REPO_ROOT / LEDGER_FILE, REPO_ROOT)


@pytest.fixture(scope="module")
def collected(ledger: Ledger, collection: Collection) -> frozenset[str]:
    """Node ids pytest collects from the files the ledger's tests are in."""
    return collection.of(test.split("::")[0] for test, _ in _named_tests(ledger))


def _named_tests(ledger: Ledger) -> list[tuple[str, Location]]:
    return [
        (test, entry.location)
        for entry in ledger.entries
        if entry.kind == "tested"
        for test in entry.value
    ]


def test_every_named_test_is_collected(
    ledger: Ledger, collected: frozenset[str]
) -> None:
    """Loading checked each is a test its file defines; only a collection
    knows its parameters, and whether its module imports at all."""
    not_collected = [
        f"{where}: pytest does not collect {test}"
        for test, where in _named_tests(ledger)
        if not is_collected(test, collected)
    ]
    assert not not_collected, "\n".join(not_collected)


@pytest.mark.parametrize("page", PAGES)
def test_every_absolute_sentence_on_the_page_is_recorded(
    ledger: Ledger, page: str
) -> None:
    missing = unrecorded(page_sentences(REPO_ROOT, page), ledger, page)
    if page in ledger.pending:
        # Not yet read through: strict, so a finished page must leave the list.
        assert missing, (
            f"{ledger.pending_location}: {page} is complete; take it off 'pending'"
        )
        pytest.xfail(f"{len(missing)} absolute sentences of {page} not yet read")
    assert not missing, describe_unrecorded(missing)


@pytest.mark.parametrize("page", PAGES)
def test_no_ledger_entry_of_the_page_is_stale(ledger: Ledger, page: str) -> None:
    gone = stale(page_sentences(REPO_ROOT, page), ledger, page)
    assert not gone, describe_stale(gone)


def test_the_ledger_names_only_pages_of_the_site(ledger: Ledger) -> None:
    assert {e.page for e in ledger.entries} | ledger.pending <= set(PAGES)


def test_the_general_pages_are_read_not_only_the_principle_pages() -> None:
    assert {
        "docs/index.md",
        "docs/code-review.md",
        "docs/anti-patterns.md",
        "docs/not-covered.md",
        "docs/contributing.md",
        "docs/checker.md",
        "docs/reference/index.md",
    } <= set(PAGES)
    # The source document is quoted and answered, not claimed.
    assert "docs/_data/source-document.md" not in PAGES


# --- The mechanism, on scratch pages and ledgers ----------------------------------

SCRATCH_PAGE = """\
---
title: Orders are never lost
summary: Write each order in one transaction.
---

## Why

A committed order survives a restart.
A refund is never issued twice, whatever the client retries.

```python
# never run: a comment in code is not a claim
```

- Every list endpoint takes a `cursor`: see [the page](../api/never.md).
- Set `retry=never` in `only.toml`.

| Case | Result |
| --- | --- |
| retried | nothing changes |
"""


def _ledger(tmp_path: Path, text: str) -> Ledger:
    path = tmp_path / "absolutes.yml"
    path.write_text(text, encoding="utf-8")
    return load_ledger(path, REPO_ROOT)


def test_a_new_never_sentence_is_reported_with_its_file_and_line() -> None:
    page = "docs/principles/data/scratch.md"
    found = sentences(parse_document(Path(page), SCRATCH_PAGE), page)
    report = describe_unrecorded(found)
    assert (
        f"{page}:9: unrecorded absolute (never): "
        "A refund is never issued twice, whatever the client retries."
    ) in report
    assert [(s.line, s.words) for s in found] == [
        (2, ("never",)),
        (9, ("never",)),
        (15, ("every",)),
        (20, ("nothing",)),
    ]


GENERAL_PAGE = """\
# Reviewing a pull request

Paste the short link of the principle a change breaks.
A *must* has no departures, whatever the deadline.
"""


def test_a_general_page_without_front_matter_fails_on_an_unrecorded_sentence(
    tmp_path: Path,
) -> None:
    # A general page has no front matter; its sentences are ledgered all the same.
    page = "docs/code-review.md"
    (tmp_path / "docs").mkdir()
    (tmp_path / page).write_text(GENERAL_PAGE, encoding="utf-8")
    found = page_sentences(tmp_path, page)
    ledger = _ledger(tmp_path, f"pages:\n  {page}: []\n")

    assert describe_unrecorded(unrecorded(found, ledger, page)) == (
        f"{page}:4: unrecorded absolute (no): "
        "A *must* has no departures, whatever the deadline."
    )


def test_code_blocks_code_spans_and_link_targets_are_not_prose() -> None:
    page = "docs/principles/data/scratch.md"
    texts = [s.text for s in sentences(parse_document(Path(page), SCRATCH_PAGE), page)]
    assert not any("never run" in t or "retry=never" in t for t in texts)
    assert "Every list endpoint takes a `cursor`: see the page." in texts


def test_a_recorded_sentence_passes_and_a_changed_one_is_stale(tmp_path: Path) -> None:
    page = "docs/principles/security/secrets.md"
    found = page_sentences(REPO_ROOT, page)
    sentence = found[0].text
    ledger = _ledger(
        tmp_path,
        f"pages:\n  {page}:\n    - sentence: {sentence}\n      rule: the principle's name.\n"
        f"    - sentence: Secrets are never anywhere.\n      rule: a sentence since removed.\n",
    )
    assert sentence not in {s.text for s in unrecorded(found, ledger, page)}
    [gone] = stale(found, ledger, page)
    assert describe_stale([gone]) == (
        f"{tmp_path / 'absolutes.yml'}:5: stale: {page} has no sentence "
        "'Secrets are never anywhere.'"
    )


def test_a_named_test_that_does_not_exist_fails_at_its_line(tmp_path: Path) -> None:
    page = "docs/principles/security/secrets.md"
    with pytest.raises(
        LocatedError, match=r"absolutes.yml:4: .*defines no test_nothing\(\)"
    ):
        _ledger(
            tmp_path,
            f"pages:\n  {page}:\n    - sentence: Secrets never reach the repository\n"
            "      tested: tests/test_repository.py::test_nothing\n",
        )


def test_an_entry_gives_exactly_one_answer(tmp_path: Path) -> None:
    page = "docs/principles/security/secrets.md"
    with pytest.raises(
        LocatedError, match=r"absolutes.yml:3: an entry gives exactly one"
    ):
        _ledger(
            tmp_path,
            f"pages:\n  {page}:\n    - sentence: Secrets never reach the repository\n"
            "      rule: the name.\n      not_absolute: a count.\n",
        )


def test_an_answer_given_twice_fails_at_its_line_not_the_last_one_kept(
    tmp_path: Path,
) -> None:
    page = "docs/principles/security/secrets.md"
    with pytest.raises(
        LocatedError, match=r"absolutes.yml:5: an entry: 'rule' given twice"
    ):
        _ledger(
            tmp_path,
            f"pages:\n  {page}:\n    - sentence: Secrets never reach the repository\n"
            "      rule: the name.\n      rule: another reason.\n",
        )


def test_the_command_explains_itself_and_refuses_a_path_that_is_no_page(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    with pytest.raises(SystemExit) as asked_for_help:
        main(["--help"])
    assert asked_for_help.value.code == 0
    assert "usage: python -m handbook.tools.absolutes [-h] [PAGE ...]" in (
        capsys.readouterr().out
    )

    with pytest.raises(SystemExit) as refused:
        main(["docs/principles/api/no-such-page.md"])
    assert refused.value.code == 2
    assert (
        "not a principle page nor a general page: docs/principles/api/no-such-page.md"
        in capsys.readouterr().err
    )


def test_a_top_level_key_given_twice_fails_at_its_second_line(tmp_path: Path) -> None:
    # YAML would keep the second 'pages:' block and drop the first unseen.
    page = "docs/principles/security/secrets.md"
    block = f"pages:\n  {page}:\n    - sentence: Secrets never leave.\n      rule: a rule.\n"
    with pytest.raises(LocatedError, match=r"absolutes.yml:5: 'pages' given twice"):
        _ledger(tmp_path, block + block)


def test_the_old_command_says_where_it_moved() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "handbook.checks.absolutes", "docs/index.md"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 1
    assert "moved: uv run python -m handbook.tools.absolutes PAGE" in run.stderr
