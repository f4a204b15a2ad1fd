"""The verdicts on the source document: complete, true to the source, and linked.

``docs/_data/verdicts.yml`` judges every statement of the source. These
tests hold it to that: each quote is the source's text, each named test is
collected by pytest, each correction is linked from the principle pages that
show it, and a broken entry stops the build naming the line to fix.
"""

import re
from html import unescape
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, markdown_pages
from handbook.content.locations import LocatedError
from handbook.content.registry import load_registry
from handbook.content.source_document import SourceDocument
from handbook.content.test_ids import is_collected
from handbook.content.verdicts import Verdicts, load_verdicts
from tests.support.collection import Collection

REGISTRY = load_registry(DOCS_DIR)
SOURCE = SourceDocument.load(DOCS_DIR)
CORRECTION_LINK = re.compile(r"corrections\.md#(?P<anchor>[a-z0-9-]+)")


@pytest.fixture(scope="module")
def verdicts() -> Verdicts:
    return load_verdicts(DOCS_DIR, SOURCE, REGISTRY, REPO_ROOT)


@pytest.fixture(scope="module")
def collected(verdicts: Verdicts, collection: Collection) -> frozenset[str]:
    """Node ids pytest collects from the files the verdicts name."""
    return collection.of(
        test.split("::")[0] for v in verdicts.entries for test in v.tests
    )


def test_every_statement_of_the_source_has_a_verdict(verdicts: Verdicts) -> None:
    judged = {v.statement.anchor for v in verdicts.entries}

    assert judged == {s.anchor for s in SOURCE.statements}
    assert {s.kind for s in SOURCE.statements} == {"paragraph", "item", "code"}
    # Every code block of the source is a statement (the empty one at its end aside).
    blocks = [s for s in SOURCE.statements if s.kind == "code"]
    assert len(blocks) == 13


def test_every_quote_is_the_sources_own_text(verdicts: Verdicts) -> None:
    for verdict in verdicts.entries:
        if verdict.quote:
            assert verdict.statement.contains(verdict.quote), (
                f"{verdict.line_of('quote')}: not in the source: {verdict.quote!r}"
            )
    corrected = verdicts.by_kind("corrected")
    assert corrected
    assert all(v.quote and v.happens and v.correction for v in corrected)


def test_every_named_test_exists_and_is_collected(
    verdicts: Verdicts, collected: frozenset[str]
) -> None:
    for verdict in verdicts.entries:
        for test in verdict.tests:
            assert is_collected(test, collected), (
                f"{verdict.line_of('tests')}: pytest does not collect {test}"
            )


def test_every_correction_is_linked_from_the_pages_that_show_it(
    verdicts: Verdicts,
) -> None:
    for verdict in verdicts.by_kind("corrected"):
        for principle_id in verdict.principles:
            page = DOCS_DIR / REGISTRY.by_id(principle_id).path
            anchors = {m["anchor"] for m in CORRECTION_LINK.finditer(page.read_text())}
            assert verdict.key in anchors, (
                f"{verdict.line_of('principles')}: {page.relative_to(REPO_ROOT)} "
                f"shows this correction but never links corrections.md#{verdict.key}"
            )


def test_every_link_to_a_correction_names_a_corrected_statement(
    verdicts: Verdicts,
) -> None:
    corrected = {v.key for v in verdicts.by_kind("corrected")}
    links = 0
    for page in markdown_pages():
        for number, line in enumerate(page.read_text().splitlines(), start=1):
            for match in CORRECTION_LINK.finditer(line):
                links += 1
                assert match["anchor"] in corrected, (
                    f"{page.relative_to(REPO_ROOT)}:{number}: "
                    f"corrections.md#{match['anchor']} is not a corrected statement"
                )
    assert links >= len(corrected)


def test_corrections_are_linked_from_the_source_section_of_a_page(
    verdicts: Verdicts,
) -> None:
    """Departures from the source are stated where readers look for them."""
    assert verdicts.by_kind("corrected")
    for page in markdown_pages(DOCS_DIR / "principles"):
        text = page.read_text()
        source_section = text.find("\n## Source\n")
        for match in CORRECTION_LINK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            assert 0 <= source_section < match.start(), (
                f"{page.relative_to(REPO_ROOT)}:{line}: link the correction from "
                "the page's '## Source' section, in the sentence that says how "
                "the page departs from the source"
            )


# --- A broken verdicts file stops the build, naming the line -----------------------------


def _load(docs: Path) -> Verdicts:
    return load_verdicts(
        docs, SourceDocument.load(docs), load_registry(docs), REPO_ROOT
    )


def _edit(docs: Path, old: str, new: str) -> int:
    """Replace text in the copy's verdicts.yml; the 1-based line it was on."""
    path = docs / "_data" / "verdicts.yml"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def test_a_key_that_is_no_statement_of_the_source_fails_with_file_and_line(
    docs_copy: Path,
) -> None:
    line = _edit(
        docs_copy,
        "package-management--use-uv-for-python-environment-management:",
        "package-management--use-poetry:",
    )

    with pytest.raises(LocatedError) as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/verdicts.yml:{line}: ")
    assert "'package-management--use-poetry' is not the anchor of a statement" in str(
        error.value
    )


def test_a_second_verdict_on_a_statement_fails_with_file_and_line(
    docs_copy: Path,
) -> None:
    path = docs_copy / "_data" / "verdicts.yml"
    lines = path.read_text().count("\n")
    path.write_text(
        path.read_text()
        + "\npackage-management--use-uv-for-python-environment-management:\n"
        "  verdict: corrected\n"
    )

    with pytest.raises(LocatedError, match="has a verdict already") as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{path}:{lines + 2}: ")


def test_a_field_given_twice_fails_at_its_second_line_not_the_last_one_kept(
    docs_copy: Path,
) -> None:
    line = _edit(
        docs_copy,
        "  why: It describes the document's aims, not something that runs.\n",
        "  why: It describes the document's aims, not something that runs.\n"
        "  why: A second reason, which YAML alone would keep silently.\n",
    )

    with pytest.raises(LocatedError, match="'why' given twice") as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/verdicts.yml:{line + 1}: ")


def test_a_key_given_twice_inside_a_field_fails_at_its_line(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "    UV-ONLY: ['uv add', '[tool.ruff]']\n",
        "    UV-ONLY: ['uv add', '[tool.ruff]']\n    UV-ONLY: ['uv add']\n",
    )

    with pytest.raises(LocatedError, match="'UV-ONLY' given twice") as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/verdicts.yml:{line + 1}: ")


def test_an_unknown_field_fails_at_its_line(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "  why: It describes the document's aims, not something that runs.\n",
        "  why: It describes the document's aims, not something that runs.\n"
        "  reason: a field verdicts.yml does not have\n",
    )

    with pytest.raises(LocatedError, match="unknown field 'reason'") as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/verdicts.yml:{line + 1}: ")


def test_a_statement_left_without_a_verdict_fails_naming_its_source_line(
    docs_copy: Path,
) -> None:
    _replace_entry(docs_copy, "model-organization--keep-relationships-explicit", "")

    with pytest.raises(LocatedError) as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/source-document.md:328: ")
    assert "has no verdict" in str(error.value)


def test_a_quote_that_is_not_in_the_source_fails(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "  quote: Never edit `pyproject.toml` directly",
        "  quote: Never edit `pyproject.toml` by hand",
    )

    with pytest.raises(LocatedError, match="the quote is not in the source") as error:
        _load(docs_copy)
    assert f"verdicts.yml:{line}: " in str(error.value)


def test_a_line_of_a_block_no_part_quotes_fails_naming_it(docs_copy: Path) -> None:
    _edit(
        docs_copy,
        "taskfile-setup--yaml--test:\n",
        "taskfile-setup--yaml--unit-tests:\n",
    )
    _edit(
        docs_copy,
        "          - uv run pytest {{.CLI_ARGS}}\n",
        "          - uv run pytest {{.CLI_ARGS}} -x\n",
    )

    with pytest.raises(LocatedError) as error:
        _load(docs_copy)
    # The part no longer quotes the source; fix the quote, then the line shows.
    assert "the quote is not in the source" in str(error.value)
    _edit(
        docs_copy,
        "          - uv run pytest {{.CLI_ARGS}} -x\n",
        "          - uv run pytest\n",
    )
    _edit(docs_copy, "        cmds:\n          - uv run pytest\n", "        cmds:\n")
    with pytest.raises(LocatedError) as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/source-document.md:99: ")
    assert "quotes this line: '- uv run pytest {{.CLI_ARGS}}'" in str(error.value)


def test_a_test_that_does_not_exist_fails_with_file_and_line(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "  tests: [tests/docs/source_claims/test_taskfile.py::test_the_shell_task_imports_from_an_empty_project_name]",
        "  tests: [tests/docs/source_claims/test_taskfile.py::test_shell_works]",
    )

    with pytest.raises(LocatedError) as error:
        _load(docs_copy)
    assert str(error.value).startswith(f"{docs_copy}/_data/verdicts.yml:{line}: ")
    assert "defines no test_shell_works()" in str(error.value)


def test_an_unknown_principle_fails_with_file_and_line(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "  principles: [CONFIG-TYPED]\n  shown:\n    CONFIG-TYPED: ['@lru_cache']",
        "  principles: [CONFIG-TYPE]\n  shown:\n    CONFIG-TYPED: ['@lru_cache']",
    )

    with pytest.raises(
        LocatedError, match="unknown principle ID 'CONFIG-TYPE'"
    ) as error:
        _load(docs_copy)
    assert f"verdicts.yml:{line}: " in str(error.value)


# --- What the reader sees ----------------------------------------------------------------


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_the_source_page_marks_every_statement_in_words(
    built_site: Path, verdicts: Verdicts
) -> None:
    html = (built_site / "source" / "index.html").read_text()

    for verdict in verdicts.entries:
        mark = re.search(
            rf'<a class="pbp-verdict pbp-verdict--{verdict.verdict}" '
            rf'href="../corrections/#{verdict.key}" id="{verdict.key}">'
            rf"Verdict: {verdict.label.lower()}</a>",
            html,
        )
        assert mark, f"{verdict.location}: no mark for {verdict.key} on the Source page"
    for statement in SOURCE.statements:
        assert f'id="{statement.anchor}"' in html, statement.anchor
    # The source's sub-items (indented by two spaces) stay nested lists.
    assert "<ul>\n<li>Never edit <code>pyproject.toml</code> directly" in html


def test_the_corrections_page_lists_each_correction_with_its_evidence(
    built_site: Path, verdicts: Verdicts
) -> None:
    html = (built_site / "corrections" / "index.html").read_text()
    text = _text(html)

    for verdict in verdicts.by_kind("corrected"):
        start = html.index(f'<details class="pbp-correction" id="{verdict.key}">')
        entry = _text(html[start : html.index("</details>", start)])
        assert verdict.quote.splitlines()[0].strip() in entry, verdict.key
        assert verdict.happens.splitlines()[0].strip() in entry, verdict.key
        for principle_id in verdict.principles:
            assert f"({principle_id})" in entry, verdict.key
        for test in verdict.tests:
            assert test in entry, verdict.key
    for verdict in verdicts.by_kind("not-verifiable"):
        assert " ".join(verdict.why.split()) in text, verdict.key
    counts = verdicts.counts()
    assert f"{counts['corrected']} corrected" in text
    nav = (built_site / "index.html").read_text()
    assert 'href="corrections/"' in nav


# --- Verdicts stay current with the registry and the pages -------------------------------


def _error(docs: Path) -> LocatedError:
    with pytest.raises(LocatedError) as error:
        _load(docs)
    return error.value


def _replace_entry(docs: Path, key: str, body: str) -> int:
    """Replace a whole entry of the copy's verdicts.yml; the line it starts on."""
    path = docs / "_data" / "verdicts.yml"
    text = path.read_text()
    start = text.index(f"\n{key}:\n") + 1
    end = text.find("\n\n", start)
    path.write_text(text[:start] + body.strip("\n") + text[end:])
    return text[:start].count("\n") + 1


STALE_REDIS_VERDICT = """\
performance-guidelines--consider-redis-for-session-storage-and:
  verdict: not-verifiable
  why: The reference service has no sessions or cache to store, so there is nothing of the source's to run against Redis.
  instead: Nothing; no page makes a claim about Redis.
"""


def test_a_not_verifiable_verdict_in_a_section_a_principle_cites_fails(
    docs_copy: Path,
) -> None:
    # The verdict as it stood before PERF-REDIS-CACHE was written, minus its
    # "no page" claim, which has a check of its own.
    line = _replace_entry(
        docs_copy,
        "performance-guidelines--consider-redis-for-session-storage-and",
        STALE_REDIS_VERDICT.replace(
            "Nothing; no page makes a claim about Redis.", "Nothing."
        ),
    )

    error = _error(docs_copy)
    assert str(error).startswith(f"{docs_copy}/_data/verdicts.yml:{line}: ")
    assert "'not verifiable here', but API-CURSOR-PAGINATION, API-ETAG" in str(error)
    assert "PERF-REDIS-CACHE cite 'Performance Guidelines'" in str(error)


def test_a_new_page_for_a_section_reopens_its_not_verifiable_verdicts(
    docs_copy: Path,
) -> None:
    page = docs_copy / "principles" / "tooling" / "uv-only.md"
    page.write_text(
        page.read_text().replace(
            "source: Package Management",
            "source: [Package Management, Gitleaks Configuration]",
        )
    )

    error = _error(docs_copy)
    assert (
        "gitleaks-configuration--toml--extend: 'not verifiable here', but UV-ONLY"
        in str(error)
    )
    assert "add it to not_shown_on" in str(error)


def test_a_verdict_saying_no_page_covers_a_topic_must_name_it_and_be_right(
    docs_copy: Path,
) -> None:
    _replace_entry(
        docs_copy,
        "performance-guidelines--consider-redis-for-session-storage-and",
        STALE_REDIS_VERDICT
        + "  not_shown_on: [API-CURSOR-PAGINATION, API-ETAG, DB-INDEXES, PERF-EAGER-LOAD, PERF-MEMOIZE, PERF-REDIS-CACHE]\n",
    )
    assert "says a topic has no page; name the topic in no_page" in str(
        _error(docs_copy)
    )

    line = _edit(
        docs_copy,
        "  instead: Nothing; no page makes a claim about Redis.\n",
        "  instead: Nothing; no page makes a claim about Redis.\n  no_page: Redis\n",
    )
    error = _error(docs_copy)
    assert str(error).startswith(f"{docs_copy}/_data/verdicts.yml:{line + 1}: ")
    assert "says no page covers 'Redis', but " in str(error)
    covering = re.search(
        r"but (.+) ha(?:s|ve) it in its title, summary, tags or aliases", str(error)
    )
    assert covering
    assert "PERF-REDIS-CACHE" in covering[1].split(", ")


def test_a_verdict_naming_a_principle_that_does_not_cover_the_statement_fails(
    docs_copy: Path,
) -> None:
    # TASK-COMMANDS cites Taskfile Setup, not Package Management, its page does
    # not link the statement, and the verdict names no test of its module.
    line = _edit(
        docs_copy,
        "package-management--always-use-uv-add-uv-run:\n  verdict: holds\n  principles: [UV-ONLY]",
        "package-management--always-use-uv-add-uv-run:\n  verdict: holds\n  principles: [UV-ONLY, TASK-COMMANDS]",
    )

    error = _error(docs_copy)
    assert str(error).startswith(f"{docs_copy}/_data/verdicts.yml:{line + 2}: ")
    assert "TASK-COMMANDS does not cover this statement" in str(error)


def test_a_principle_whose_page_stops_citing_the_section_no_longer_covers_it(
    docs_copy: Path,
) -> None:
    page = docs_copy / "principles" / "tooling" / "uv-only.md"
    page.write_text(
        page.read_text().replace("source: Package Management", "source: Taskfile Setup")
    )

    assert "UV-ONLY does not cover this statement" in str(_error(docs_copy))


def test_a_correction_the_page_no_longer_carries_fails(docs_copy: Path) -> None:
    page = docs_copy / "principles" / "tooling" / "taskfile.md"
    page.write_text(
        page.read_text().replace(
            "DROP SCHEMA IF EXISTS public, atlas_schema_revisions CASCADE",
            "DROP TABLE users",
        )
    )

    error = _error(docs_copy)
    assert (
        "taskfile-setup--yaml--db-reset: docs/principles/tooling/taskfile.md does not carry the correction"
        in str(error)
    )
    assert (
        "'DROP SCHEMA IF EXISTS public, atlas_schema_revisions CASCADE' is not on it"
        in str(error)
    )


def test_a_correction_the_page_does_not_link_fails(docs_copy: Path) -> None:
    page = docs_copy / "principles" / "tooling" / "taskfile.md"
    page.write_text(
        page.read_text().replace(
            "corrections.md#taskfile-setup--yaml--db-reset)", "corrections.md)"
        )
    )

    assert "never links corrections.md#taskfile-setup--yaml--db-reset" in str(
        _error(docs_copy)
    )


def test_shown_words_must_be_the_corrections_own(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "    CONFIG-TYPED: ['@lru_cache']",
        "    CONFIG-TYPED: ['get_settings']",
    )

    error = _error(docs_copy)
    assert str(error).startswith(f"{docs_copy}/_data/verdicts.yml:{line - 1}: ")
    assert "'get_settings' is not in the correction" in str(error)


def test_every_defect_of_a_statement_needs_a_test_of_its_own(docs_copy: Path) -> None:
    line = _edit(
        docs_copy,
        "        - tests/docs/source_claims/test_taskfile.py::test_migrate_down_drops_an_amount_however_it_is_passed\n",
        "        - tests/docs/source_claims/test_taskfile.py::test_db_reset_calls_a_task_named_with_its_arguments\n",
    )

    error = _error(docs_copy)
    assert "taskfile-setup--yaml--db-reset: this defect has no test of its own" in str(
        error
    )
    # It names the first of the two defects, which now share their one test.
    assert str(error.location.path) == f"{docs_copy}/_data/verdicts.yml"
    assert line - 15 < error.location.line < line


def test_a_single_defect_is_not_a_defects_list(docs_copy: Path) -> None:
    text = (docs_copy / "_data" / "verdicts.yml").read_text()
    start = text.index("    - defect: >-\n        `declarative_base()` is superseded")
    end = text.index("    - defect: >-\n        The import block fails", start)
    (docs_copy / "_data" / "verdicts.yml").write_text(text[:start] + text[end:])

    assert "'defects' lists two or more defects" in str(_error(docs_copy))


def test_a_multi_part_statement_lists_each_defect_with_its_test(
    verdicts: Verdicts,
) -> None:
    several = [v for v in verdicts.entries if v.defects]
    assert len(several) >= 8
    for verdict in several:
        for defect in verdict.defects:
            others = {t for d in verdict.defects if d is not defect for t in d.tests}
            assert set(defect.tests) - others, f"{defect.location}: no test of its own"
    assert "async-sqlalchemy-setup--python--base" in {v.key for v in several}


def test_the_home_page_names_the_tools_that_really_check_configuration() -> None:
    import inspect

    from handbook.content import validators

    home = " ".join((DOCS_DIR / "index.md").read_text().split())
    sentence = home.split("Configuration files are checked by the tool that", 1)[1]
    named = set(re.findall(r"`([\w-]+)`", sentence.split(", and parsed", 1)[0]))
    source = inspect.getsource(validators)
    # Every tool the validators run, and only those: nginx is found by a
    # helper of its own (Debian puts it in /usr/sbin).
    run = set(re.findall(r'tool_path\("([\w-]+)"\)', source))
    if "def nginx_binary" in source:
        run.add("nginx")

    assert named == run, (
        f"docs/index.md names {sorted(named - run)} that no validator runs "
        f"and leaves out {sorted(run - named)}"
    )
    # Atlas and gitleaks do not run here: their files are only parsed.
    assert 'tool_path("atlas")' not in source
    assert 'tool_path("gitleaks")' not in source
    assert "hcl2.loads" in source
    assert "promql_parser.parse" in source
    assert "re.compile(rule[key])" in source
