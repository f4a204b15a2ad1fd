"""Every principle page has one evidence module, mirrored from its path, and back."""

import ast
import re
from pathlib import Path, PurePosixPath

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.evidence import (
    evidence_module,
    page_for_module,
    pairing_problems,
    verified_by,
)
from handbook.content.registry import load_registry

REGISTRY = load_registry(DOCS_DIR)


def test_every_page_has_its_evidence_module_and_every_module_its_page() -> None:
    problems = pairing_problems(list(REGISTRY.principles), REPO_ROOT)
    assert not problems, "\n".join(problems)


def test_every_evidence_module_holds_tests() -> None:
    for principle in REGISTRY.principles:
        module = REPO_ROOT / evidence_module(principle)
        tree = ast.parse(module.read_text())
        assert any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
            for node in tree.body
        ), f"{module.relative_to(REPO_ROOT)} has no test for {principle.id}"


def test_the_module_path_mirrors_the_page_path() -> None:
    principle = REGISTRY.by_id("TEST-ROLLBACK")
    module = evidence_module(principle)
    assert module == PurePosixPath("tests/principles/testing/test_test_rollback.py")
    assert page_for_module(module) == PurePosixPath(
        "docs/principles/testing/test-rollback.md"
    )


def test_a_page_without_a_module_and_a_stray_module_both_fail(tmp_path: Path) -> None:
    principle = REGISTRY.by_id("TEST-ROLLBACK")
    stray = tmp_path / "tests" / "principles" / "testing" / "test_flaky_retries.py"
    stray.parent.mkdir(parents=True)
    stray.write_text("def test_x() -> None:\n    assert True\n")

    problems = pairing_problems([principle], tmp_path)

    assert problems == [
        "docs/principles/testing/test-rollback.md (TEST-ROLLBACK) has no evidence "
        "module: create tests/principles/testing/test_test_rollback.py",
        "tests/principles/testing/test_flaky_retries.py verifies no page: "
        "docs/principles/testing/flaky-retries.md does not exist (rename the module "
        "after the page it backs)",
    ]


def test_verified_by_links_to_the_repository_or_names_the_file() -> None:
    principle = REGISTRY.by_id("TEST-ROLLBACK")
    linked = verified_by(principle, "https://github.com/shop/handbook/")
    plain = verified_by(principle, None)

    assert linked.startswith(
        "**Verified by** [`tests/principles/testing/test_test_rollback.py`]"
        "(https://github.com/shop/handbook/blob/HEAD/tests/principles/testing/test_test_rollback.py)"
    )
    assert plain.startswith(
        "**Verified by** `tests/principles/testing/test_test_rollback.py`"
    )
    # The page quotes the fixtures and a pitfall test: both are named.
    assert "`tests/support/shop_fixtures.py`" in plain
    assert "`tests/service/test_source_pitfalls.py`" in plain


def test_every_rendered_principle_page_names_its_evidence_module(
    built_site: Path,
) -> None:
    for principle in REGISTRY.principles:
        html = (built_site / principle.url / "index.html").read_text()
        module = evidence_module(principle).as_posix()
        # A link to the file when the site has a repo_url, a path otherwise.
        verified_by = rf"<strong>Verified by</strong> (<a [^>]*>)?<code>{module}</code>"
        assert re.search(verified_by, html), principle.id
