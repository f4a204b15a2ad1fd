"""Evidence for DOC-DOCSTRINGS: every public name of the service has a
docstring, and every example in one runs."""

import ast
import doctest
import importlib
import json
import pkgutil
import subprocess
import sys
import tomllib

import shop
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "documentation" / "docstrings.md"
MISSING_DOCSTRING_RULES = "D100,D101,D102,D103,D104,D105,D106"
RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache"]


# --8<-- [start:docstring-checks]
def test_every_public_name_of_the_service_has_a_docstring() -> None:
    result = subprocess.run(
        [*RUFF, "--select", MISSING_DOCSTRING_RULES, "snippets/shop"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout


def test_every_docstring_example_in_the_service_runs() -> None:
    attempted = 0
    for module_info in pkgutil.walk_packages(shop.__path__, "shop."):
        module = importlib.import_module(module_info.name)
        failed, tried = doctest.testmod(module, raise_on_error=False, verbose=False)
        assert failed == 0, f"{module_info.name}: {failed} doctest(s) failed"
        attempted += tried

    assert attempted >= 2  # accept_or_generate's two examples, at least
    # --8<-- [end:docstring-checks]


def test_the_rules_the_page_names_report_a_missing_docstring() -> None:
    undocumented = (
        '"""Shipping."""\n\n\n'
        "def shipping_cents(weight_grams: int) -> int:\n"
        "    return 499 if weight_grams < 2000 else 999\n"
    )

    result = subprocess.run(
        [
            *RUFF,
            "--isolated",
            "--select",
            MISSING_DOCSTRING_RULES,
            "--stdin-filename",
            "shipping.py",
            "-",
        ],
        input=undocumented,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "D103 Missing docstring in public function" in result.stdout
    assert f"--select {MISSING_DOCSTRING_RULES} snippets/shop" in prose(PAGE)


def _ruff_on_stdin(code: str, filename: str, *options: str) -> str:
    result = subprocess.run(
        [
            *RUFF,
            "--output-format",
            "concise",
            *options,
            "--stdin-filename",
            filename,
            "-",
        ],
        input=code,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout


def test_the_repositorys_ruff_configuration_holds_the_service_to_the_rules() -> None:
    undocumented = (
        "def shipping_cents(weight_grams: int) -> int:\n"
        "    return 499 if weight_grams < 2000 else 999\n"
    )

    # With pyproject.toml's own [tool.ruff], as `ruff check .` and pre-commit run it.
    in_the_service = _ruff_on_stdin(undocumented, "snippets/shop/orders/shipping.py")
    in_the_handbook = _ruff_on_stdin(undocumented, "handbook/tools/shipping.py")

    assert "D103 Missing docstring in public function" in in_the_service
    assert "D100 Missing docstring in public module" in in_the_service
    assert "D10" not in in_the_handbook
    assert "This repository selects the same seven rules" in prose(PAGE)


def test_the_advised_test_ignores_leave_nothing_to_report_in_this_repositorys_tests() -> (
    None
):
    advice = next(
        block
        for block in find_fences(PAGE)
        if block.title == "pyproject.toml" and "per-file-ignores" in block.source
    )
    ignored = tomllib.loads(advice.source)["tool"]["ruff"]["lint"]["per-file-ignores"]
    per_file_ignores = ", ".join(
        f"{json.dumps(k)} = {json.dumps(v)}" for k, v in ignored.items()
    )

    result = subprocess.run(
        [
            *RUFF,
            "--isolated",
            "--output-format",
            "concise",
            "--select",
            MISSING_DOCSTRING_RULES,
            "--config",
            f"lint.per-file-ignores = {{{per_file_ignores}}}",
            # Other projects, with their own configuration: as pyproject.toml.
            "--extend-exclude",
            "tests/checker/fixtures",
            "tests",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout
    assert ignored == {"tests/**": ["D101", "D102", "D103", "D104"]}


def test_only_get_profiles_docstring_says_auth_must_not_use_it() -> None:
    path = REPO_ROOT / "snippets" / "shop" / "users" / "service.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    function = next(
        node
        for node in ast.walk(ast.parse("\n".join(lines)))
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "get_profile"
    )
    docstring = ast.get_docstring(function) or ""
    docstring_node = function.body[0]
    assert function.end_lineno
    assert docstring_node.end_lineno
    # The function's lines, comments included, without its docstring.
    code = lines[function.lineno - 1 : docstring_node.lineno - 1]
    code += lines[docstring_node.end_lineno : function.end_lineno]
    assert "Not for authentication" in docstring
    assert "cache" in "\n".join(code)  # the cache lookup the reader sees
    assert [line for line in code if "auth" in line.lower()] == []
    assert "nothing in the code says that authentication must not use it" in (
        prose(PAGE)
    )


def test_d102_asks_no_docstring_of_a_method_marked_override() -> None:
    prices = (
        '"""Prices."""\n\n'
        "import typing\n\n\n"
        "class Price:\n"
        '    """A catalogue price."""\n\n'
        "    def cents(self) -> int:\n"
        '        """The amount to charge, in cents."""\n'
        "        return 1299\n\n\n"
        "class SalePrice(Price):\n"
        '    """A price during a sale."""\n\n'
        "    {decorator}def cents(self) -> int:\n"
        "        return 999\n"
    )

    def d102(code: str) -> str:
        return subprocess.run(
            [*RUFF, "--isolated", "--select", "D102", "--stdin-filename", "p.py", "-"],
            input=code,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    assert "D102" in d102(prices.format(decorator=""))
    assert "D102" not in d102(prices.format(decorator="@typing.override\n    "))
    assert "`@typing.override`: ruff's D102 does not ask it for a docstring" in (
        prose(PAGE)
    )
