"""A test a ledger names is one pytest collects, checked as the ledger loads.

absolutes.yml, counterfactuals.yml and verdicts.yml name tests by node id;
:mod:`handbook.content.test_ids` refuses, at the ledger's line, an id whose
name is a helper, a fixture or a function of a support module: a function
of that name in the file is not enough.
"""

from pathlib import Path

import pytest

from handbook.checks.absolutes import load_ledger
from handbook.content.docs_tree import REPO_ROOT
from handbook.content.locations import LocatedError, Location
from handbook.content.test_ids import check_test_id, is_collected

PAGE = "docs/principles/security/secrets.md"


def _ledger_naming(tmp_path: Path, test_id: str) -> Path:
    path = tmp_path / "absolutes.yml"
    path.write_text(
        f"pages:\n  {PAGE}:\n    - sentence: Secrets never reach the repository\n"
        f"      tested: {test_id}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("test_id", "message"),
    [
        (
            "tests/service/test_migrations.py::_revisions",
            "_revisions is not a test",
        ),
        ("tests/service/test_orders_api.py::place", "place is not a test"),
        (
            "tests/support/shop_fixtures.py::register",
            "tests/support/shop_fixtures.py is not a test module",
        ),
    ],
)
def test_a_name_that_is_no_test_fails_at_its_line(
    tmp_path: Path, test_id: str, message: str
) -> None:
    path = _ledger_naming(tmp_path, test_id)
    with pytest.raises(LocatedError) as error:
        load_ledger(path, REPO_ROOT)
    assert str(error.value.location) == f"{path}:4"
    assert message in error.value.message, error.value.message


def _scratch_tests(tmp_path: Path) -> Path:
    module = tmp_path / "tests" / "test_orders.py"
    module.parent.mkdir()
    module.write_text(
        "def _order():\n    return {}\n\n\n"
        "def test_an_order_is_placed():\n"
        "    def test_nested():\n        pass\n\n\n"
        "class TestRefunds:\n    def test_a_refund_is_issued_once(self):\n        pass\n\n"
        "    def helper(self):\n        pass\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    "test_id",
    [
        "tests/test_orders.py::test_an_order_is_placed",
        "tests/test_orders.py::test_an_order_is_placed[with-a-parameter]",
        "tests/test_orders.py::TestRefunds::test_a_refund_is_issued_once",
    ],
)
def test_a_test_at_module_level_or_in_a_test_class_is_accepted(
    tmp_path: Path, test_id: str
) -> None:
    check_test_id(test_id, Location(Path("ledger.yml"), 3), _scratch_tests(tmp_path))


@pytest.mark.parametrize(
    ("test_id", "message"),
    [
        ("tests/test_orders.py::_order", "_order is not a test"),
        ("tests/test_orders.py::test_nested", "test_nested is not a test"),
        ("tests/test_orders.py::TestRefunds::helper", "helper is not a test"),
        (
            "tests/test_orders.py::test_a_refund_is_issued_once",
            "test_a_refund_is_issued_once is not a test",
        ),
        ("tests/test_orders.py::test_a_refund", "defines no test_a_refund()"),
    ],
)
def test_a_helper_a_nested_function_or_a_method_named_alone_is_refused(
    tmp_path: Path, test_id: str, message: str
) -> None:
    with pytest.raises(LocatedError, match=r"^ledger\.yml:3: ") as error:
        check_test_id(
            test_id, Location(Path("ledger.yml"), 3), _scratch_tests(tmp_path)
        )
    assert message in error.value.message, error.value.message


def test_a_parametrized_test_is_collected_with_or_without_its_parameters() -> None:
    collected = frozenset({"tests/test_orders.py::test_a_total[2-items]"})

    assert is_collected("tests/test_orders.py::test_a_total", collected)
    assert is_collected("tests/test_orders.py::test_a_total[2-items]", collected)
    assert not is_collected("tests/test_orders.py::test_a_total[3-items]", collected)
    assert not is_collected("tests/test_orders.py::test_a", collected)
