"""Evidence for TEST-FUNCTIONAL: Tests are plain functions with fixtures, never unittest classes.

Each test reproduces a claim docs/principles/testing/functional-tests.md makes,
against the real tool, library or service.
"""

# The unittest class below is the page's bad example, kept on purpose; the
# tests run ruff on it without this line and check what it reports.
# ruff: noqa: PT009, PT027

import re
import subprocess
import sys
import tomllib
import unittest
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.snippet_sections import sections_in
from shop.orders.schemas import OrderCreate
from tests.support.linting import ruff_check_code
from tests.support.pages import block_titled, prose

FUNCTIONAL_PAGE = DOCS_DIR / "principles" / "testing" / "functional-tests.md"


# --8<-- [start:unittest-class]
class TestOrderCreate(unittest.TestCase):
    def setUp(self) -> None:
        self.line = {"sku": "TEA-001", "quantity": 2}

    def test_a_valid_line_is_kept(self) -> None:
        order = OrderCreate.model_validate({"items": [self.line]})
        self.assertEqual(order.items[0].quantity, 2)

    def test_a_zero_quantity_is_rejected(self) -> None:
        with self.assertRaises(ValidationError):
            OrderCreate.model_validate({"items": [{**self.line, "quantity": 0}]})

    def test_alice_is_signed_in(self, alice: dict[str, Any]) -> None:
        self.assertIn("Authorization", alice["headers"])
        # --8<-- [end:unittest-class]


# Not a test of this suite: the tests below run it on its own.
TestOrderCreate.__test__ = False  # type: ignore[attr-defined]

UNITTEST_IMPORTS = """\
import unittest
from typing import Any

from pydantic import ValidationError

from shop.orders.schemas import OrderCreate


"""


def _unittest_module() -> str:
    """The class as the page shows it, with the imports a test file needs."""
    path = Path(__file__)
    section = next(s for s in sections_in(path) if s.name == "unittest-class")
    lines = path.read_text().splitlines()[section.start_line : section.end_line - 1]
    return UNITTEST_IMPORTS + "\n".join(lines) + "\n"


TIMEOUT_SECONDS = 120


def _quoted_lines(page: Path, title: str) -> list[str]:
    return [
        line.strip() for line in block_titled(page, title).source.splitlines() if line
    ]


def _ruff_on_unittest_class() -> subprocess.CompletedProcess[str]:
    return ruff_check_code(_unittest_module(), "tests/test_example.py")


def test_ruff_reports_the_unittest_assertions_the_page_quotes() -> None:
    result = _ruff_on_unittest_class()

    assert result.returncode == 1, result.stdout + result.stderr
    headlines = [
        line for line in result.stdout.splitlines() if re.match(r"[A-Z]+\d+ ", line)
    ]
    assert headlines == _quoted_lines(FUNCTIONAL_PAGE, "Output of ruff check")
    assert "reports `PT009` and `PT027`" in prose(FUNCTIONAL_PAGE)


UNREPORTED_ASSERTIONS = """\
import logging
import unittest
import warnings


class TestOrderLogging(unittest.TestCase):
    def test_a_cancelled_order_is_logged(self) -> None:
        with self.assertLogs("shop.orders", level="INFO"):
            logging.getLogger("shop.orders").info("order 42 cancelled")

    def test_a_listing_logs_nothing(self) -> None:
        with self.assertNoLogs("shop.orders"):
            pass

    def test_an_old_parameter_warns(self) -> None:
        with self.assertWarns(DeprecationWarning):
            warnings.warn("page= is deprecated", DeprecationWarning, stacklevel=1)
"""


def test_ruff_reports_no_unittest_assertion_about_logs_or_warnings() -> None:
    result = ruff_check_code(UNREPORTED_ASSERTIONS, "tests/test_example.py")

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "but not `assertLogs`, `assertNoLogs` or `assertWarns`, which pass the lint"
        in prose(FUNCTIONAL_PAGE)
    )


def test_ruff_reports_nothing_on_the_class_line_or_set_up() -> None:
    source = _unittest_module().splitlines()
    reported = {
        int(match[1])
        for match in re.finditer(
            r"--> tests/test_example\.py:(\d+):", _ruff_on_unittest_class().stdout
        )
    }

    flagged = [source[number - 1].strip() for number in sorted(reported)]
    assert all(line.startswith(("self.assert", "with self.assert")) for line in flagged)
    assert "Ruff reports nothing on the `class` line or on `setUp`" in prose(
        FUNCTIONAL_PAGE
    )


def test_the_repository_selects_ruffs_pytest_style_rules() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())

    assert "PT" in pyproject["tool"]["ruff"]["lint"]["select"]
    assert "The repository selects ruff's `PT` rules" in prose(FUNCTIONAL_PAGE)


def test_a_test_case_method_gets_no_fixture_as_the_page_says(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this repo's config
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n"
        "@pytest.fixture\n"
        "def alice():\n"
        '    return {"headers": {"Authorization": "Bearer token"}}\n'
    )
    test_file = tmp_path / "test_orders_unittest.py"
    test_file.write_text(_unittest_module())

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )

    output = [line.strip() for line in result.stdout.splitlines()]
    assert result.returncode == 1, result.stdout + result.stderr
    for quoted in _quoted_lines(FUNCTIONAL_PAGE, "Output of pytest"):
        assert quoted in output
    # The other two tests run and pass: only the fixture is out of reach.
    assert any(line.startswith("1 failed, 2 passed") for line in output)


def test_the_page_shows_the_repositorys_pytest_asyncio_settings() -> None:
    real = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    shown = tomllib.loads(block_titled(FUNCTIONAL_PAGE, "pyproject.toml").source)

    options = real["tool"]["pytest"]["ini_options"]
    for key, value in shown["tool"]["pytest"]["ini_options"].items():
        assert options[key] == value, key
    assert options["asyncio_mode"] == "auto"


PLAIN_CLASS = """\
import pytest

instances = []


@pytest.fixture
def alice():
    return {"headers": {"Authorization": "Bearer token"}}


@pytest.mark.parametrize("quantity", [1, 2])
class TestOrderCancellation:
    def test_alice_may_cancel(self, alice, quantity):
        instances.append(id(self))
        self.cancelled = quantity
        assert "Authorization" in alice["headers"]

    def test_nothing_is_left_on_self(self, quantity):
        instances.append(id(self))
        assert not hasattr(self, "cancelled")


def test_each_test_had_an_instance_of_its_own():
    assert len(set(instances)) == len(instances) == 4
"""


def test_a_plain_class_gets_fixtures_one_mark_for_all_and_a_new_instance_each(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this repo's config
    (tmp_path / "test_cancellation.py").write_text(PLAIN_CLASS)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", "test_cancellation.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        timeout=TIMEOUT_SECONDS,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
    page = prose(FUNCTIONAL_PAGE)
    assert "pytest passes fixtures to its methods and makes a new instance" in page
