"""`task check -- <page>`: the tests one page depends on, and no others."""

import subprocess
import sys
from pathlib import Path

import pytest

from handbook.content.docs_tree import REPO_ROOT
from handbook.tools import page_check

ETAG_PAGE = Path("docs/principles/api/etag.md")


def _relative(paths: tuple[Path, ...]) -> list[str]:
    return [p.relative_to(REPO_ROOT).as_posix() for p in paths]


def test_a_principle_page_runs_its_evidence_module_whole() -> None:
    selection = page_check.select(REPO_ROOT / ETAG_PAGE)

    # This module names the page too, as its example: that is no test of it.
    assert _relative(selection.modules) == ["tests/principles/api/test_etag.py"]


def test_an_evidence_module_the_page_quotes_still_runs_whole() -> None:
    page = REPO_ROOT / "docs/principles/security/brute-force-protection.md"
    evidence = REPO_ROOT / "tests/principles/security/test_brute_force_protection.py"

    selection = page_check.select(page)

    assert f'--8<-- "{evidence.relative_to(REPO_ROOT)}:' in page.read_text()
    assert selection.modules[0] == evidence
    # Not also chosen test by test, which would run only the quoted ones.
    assert not any(t.module == evidence for t in selection.tests)


def test_a_page_runs_the_tests_of_the_code_it_quotes_and_no_others() -> None:
    selection = page_check.select(REPO_ROOT / ETAG_PAGE)
    orders_api = {
        t.qualname
        for t in selection.tests
        if t.module == REPO_ROOT / "tests/service/test_orders_api.py"
    }

    # The page quotes this test (tests/service/test_orders_api.py:if-none-match).
    assert "test_if_none_match_with_the_current_etag_is_a_304_without_body" in (
        orders_api
    )
    # It quotes the orders router's ETag code, not the listing's cursors.
    assert "test_a_cursor_from_one_listing_is_a_422_on_the_other" not in orders_api
    # Nothing on the page comes from the users domain.
    assert not any(t.module.name == "test_users_api.py" for t in selection.tests)
    assert not any(
        t.module.is_relative_to(REPO_ROOT / "tests/docs") for t in selection.tests
    )


def test_a_quoted_section_no_test_names_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The error-body page quotes the error handlers, which the tests reach
    # over HTTP (a 404, a 422), never by name.
    page = Path("docs/principles/api/error-body.md")

    untested = page_check.select(REPO_ROOT / page).untested
    page_check.main([str(page), "--collect-only", "-q", "-p", "no:cacheprovider"])

    assert "snippets/shop/core/errors.py:error-handlers" in untested
    assert (
        "note: no test here names what snippets/shop/core/errors.py:error-handlers"
        in capsys.readouterr().out
    )
    # What a test does name is not reported.
    assert not page_check.select(REPO_ROOT / ETAG_PAGE).untested


def test_a_page_without_evidence_selects_the_module_that_names_it() -> None:
    # Spelt in parts, or this module would name the page too.
    selected = _relative(page_check.select(REPO_ROOT / "docs" / "checker.md").modules)

    assert selected == ["tests/checker/test_checker_page.py"]


def test_only_the_pages_own_docs_tests_are_collected() -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "handbook.tools.page_check", str(ETAG_PAGE)),
            *("--collect-only", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    node_ids = [line for line in result.stdout.splitlines() if "::" in line]
    docs_tests = [n for n in node_ids if n.startswith("tests/docs/")]
    assert any("test_python_examples.py" in n for n in docs_tests), docs_tests
    assert any("test_page_follows_the_anatomy" in n for n in docs_tests)
    for node_id in docs_tests:
        assert "principles/api/etag" in node_id, node_id
    assert any(n.startswith("tests/principles/api/test_etag.py::") for n in node_ids)
    # Of a module of the service's tests, only the tests of the quoted code:
    # the quoted tests, and those requesting the quoted route (GET
    # /orders/{order_id}), not those of the listing or of placing an order.
    orders_api = {
        n.split("::")[1].split("[")[0]
        for n in node_ids
        if n.startswith("tests/service/test_orders_api.py::")
    }
    assert {
        "test_if_none_match_with_the_current_etag_is_a_304_without_body",
        "test_if_none_match_with_a_stale_etag_returns_the_order",
        "test_another_users_order_is_a_404_indistinguishable_from_a_missing_one",
        "test_reading_an_order_requires_a_token",
    } <= orders_api
    assert "test_a_cursor_from_one_listing_is_a_422_on_the_other" not in orders_api
    # It spells an order's path, in its Location header, but requests none.
    assert "test_placing_an_order_returns_201_with_location_items_and_total" not in (
        orders_api
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "usage: task check -- docs/principles/<area>/<slug>.md"),
        (["docs/principles/api/etags.md"], "no such page"),
        (["docs/_data/areas.yml"], "no such page"),
        (["README.md"], "is not under"),
    ],
    ids=["no page", "misspelt page", "not a Markdown page", "outside docs"],
)
def test_a_wrong_page_is_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert page_check.main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_test_module_that_does_not_parse_is_named_by_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "test_orders.py"
    broken.write_text("async def test_an_order_is_read(client:\n", encoding="utf-8")
    monkeypatch.setattr(page_check, "TESTS_DIR", tmp_path)

    assert page_check.main([str(ETAG_PAGE)]) == 1
    assert f"error: {broken}:1: " in capsys.readouterr().err
