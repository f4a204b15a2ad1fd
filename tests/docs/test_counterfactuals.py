"""The counterfactuals file: every principle has one, and each can still be applied.

``tests/principles/counterfactuals.yml`` holds, for each principle, edits that
make its claim false and the evidence tests that must then fail. ``task
falsify`` runs them (a measurement, minutes long); these tests only read the
file, so that ``task test`` catches a principle without a counterfactual, a
named test that no longer exists and an edit whose text has drifted, each
naming the line of the file to fix.
"""

from pathlib import Path

import pytest

from handbook.checks.counterfactuals import (
    COUNTERFACTUALS_FILE,
    Counterfactuals,
    check_collected,
    check_every_principle_has_one,
    load_counterfactuals,
)
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.locations import LocatedError
from handbook.content.registry import load_registry
from tests.support.collection import Collection

PRINCIPLE_IDS = [p.id for p in load_registry(DOCS_DIR).principles]
PATH = REPO_ROOT / COUNTERFACTUALS_FILE


@pytest.fixture(scope="module")
def counterfactuals() -> Counterfactuals:
    # Loading checks each edit against the repository as it is, and that
    # each named test is a test its file defines.
    return load_counterfactuals(PATH, PRINCIPLE_IDS, REPO_ROOT)


@pytest.fixture(scope="module")
def collected(
    counterfactuals: Counterfactuals, collection: Collection
) -> frozenset[str]:
    """Node ids pytest collects from the files the counterfactuals name."""
    return collection.of(
        test.split("::")[0] for c in counterfactuals.entries for test in c.fails
    )


def test_every_principle_has_a_counterfactual(counterfactuals: Counterfactuals) -> None:
    check_every_principle_has_one(counterfactuals, PRINCIPLE_IDS)


def test_every_named_test_is_collected(
    counterfactuals: Counterfactuals, collected: frozenset[str]
) -> None:
    check_collected(counterfactuals, collected)


def test_every_counterfactual_names_a_test_and_an_edit(
    counterfactuals: Counterfactuals,
) -> None:
    assert len(counterfactuals.entries) >= len(PRINCIPLE_IDS)
    assert all(c.fails and c.edits for c in counterfactuals.entries)


# --- A bad entry is reported at its line -------------------------------------------

GOOD_ENTRY = """\
API-ETAG:
  - claim: A GET whose If-None-Match lists the ETag is a bodiless 304.
    edits:
      - file: snippets/shop/orders/router.py
        old: "    if matches_if_none_match(if_none_match, headers[\\"ETag\\"]):\\n"
        new: "    if False:\\n"
    fails:
      - tests/service/test_orders_api.py::test_if_none_match_with_the_current_etag_is_a_304_without_body
"""


def _load(tmp_path: Path, text: str) -> Counterfactuals:
    path = tmp_path / "counterfactuals.yml"
    path.write_text(text)
    return load_counterfactuals(path, PRINCIPLE_IDS, REPO_ROOT)


def _fails_at(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(LocatedError) as error:
        _load(tmp_path, text)
    assert str(error.value.location) == f"{tmp_path / 'counterfactuals.yml'}:{line}"
    assert message in error.value.message, error.value.message


def test_a_good_entry_loads(tmp_path: Path) -> None:
    loaded = _load(tmp_path, GOOD_ENTRY)

    (etag,) = loaded.entries
    assert etag.name == "API-ETAG#1"
    assert etag.edits[0].file == "snippets/shop/orders/router.py"
    assert etag.fail_locations[0].line == 8


def test_a_principle_without_a_counterfactual_is_named(tmp_path: Path) -> None:
    with pytest.raises(LocatedError) as error:
        check_every_principle_has_one(_load(tmp_path, GOOD_ENTRY), PRINCIPLE_IDS)

    assert error.value.location.line == 1
    assert "principles have no counterfactual: API-CURSOR-PAGINATION," in str(
        error.value
    )
    assert "API-ETAG," not in str(error.value)


def test_an_unknown_principle_id_is_reported_at_its_line(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace("API-ETAG:", "API-ETAGS:"),
        1,
        "unknown principle ID 'API-ETAGS'",
    )


def test_old_text_that_is_not_in_the_file_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace("if matches_if_none_match", "if etag_matches"),
        5,
        "the 'old' text occurs 0 times in snippets/shop/orders/router.py",
    )


def test_old_text_that_occurs_twice_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace(
            'old: "    if matches_if_none_match(if_none_match, headers[\\"ETag\\"]):\\n"',
            'old: "current_user: CurrentUser"',
        ),
        5,
        "the 'old' text occurs 3 times in snippets/shop/orders/router.py",
    )


def test_an_edit_that_changes_nothing_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace(
            'new: "    if False:\\n"',
            'new: "    if matches_if_none_match(if_none_match, headers[\\"ETag\\"]):\\n"',
        ),
        5,
        "'new' is the same as 'old'",
    )


def test_creating_a_file_that_exists_is_reported(tmp_path: Path) -> None:
    entry = GOOD_ENTRY.replace(
        '        old: "    if matches_if_none_match(if_none_match, headers[\\"ETag\\"]):\\n"\n'
        '        new: "    if False:\\n"\n',
        '        create: "router = None\\n"\n',
    )
    _fails_at(tmp_path, entry, 4, "snippets/shop/orders/router.py exists already")


def test_a_file_outside_the_repository_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace("file: snippets/", "file: ../snippets/"),
        4,
        "'file' must be a path inside the repository",
    )


def test_a_test_the_file_does_not_define_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace("_is_a_304_without_body", "_is_a_304"),
        8,
        "test_orders_api.py defines no test_if_none_match_with_the_current_etag_is_a_304()",
    )


def test_a_test_file_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace(
            "tests/service/test_orders_api.py", "tests/service/test_orders.py"
        ),
        8,
        "tests/service/test_orders.py does not exist",
    )


def test_a_test_pytest_does_not_collect_is_reported(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        GOOD_ENTRY.replace("_without_body", "_without_body[no-such-parameter]"),
    )
    collected = frozenset(
        {
            "tests/service/test_orders_api.py::"
            "test_if_none_match_with_the_current_etag_is_a_304_without_body[exact]"
        }
    )

    with pytest.raises(LocatedError) as error:
        check_collected(loaded, collected)
    assert error.value.location.line == 8
    assert "API-ETAG#1: pytest does not collect" in error.value.message
    # Named without its parameters, a parametrized test is collected.
    check_collected(_load(tmp_path, GOOD_ENTRY), collected)


def test_a_claim_on_two_lines_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace(
            "claim: A GET whose If-None-Match lists",
            'claim: "A GET whose If-None-Match\\nlists',
        ).replace("a bodiless 304.\n", 'a bodiless 304."\n', 1),
        2,
        "'claim' is one line",
    )


def test_an_unknown_field_is_reported(tmp_path: Path) -> None:
    _fails_at(
        tmp_path,
        GOOD_ENTRY.replace("    fails:", "    tests:"),
        7,
        "API-ETAG#1: unknown field 'tests'",
    )


def test_a_counterfactual_without_edits_is_reported(tmp_path: Path) -> None:
    entry = (
        GOOD_ENTRY.split("    edits:")[0]
        + "    fails:"
        + GOOD_ENTRY.split("    fails:")[1]
    )
    _fails_at(tmp_path, entry, 2, "API-ETAG#1: missing 'edits'")


def test_invalid_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    _fails_at(tmp_path, GOOD_ENTRY + "  - claim: [unclosed\n", 10, "not valid YAML")
