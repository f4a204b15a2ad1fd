"""Evidence for PERF-MEMOIZE. The page's examples run in test_python_examples;
this module checks what the page says about ruff and functools."""

import ast
import functools
import inspect
import subprocess
import sys
from pathlib import Path

import shop
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core import config
from tests.support.pages import prose

SHOP = Path(shop.__file__).parent
PAGE = DOCS_DIR / "principles" / "performance" / "memoize-pure-functions.md"

CACHED_METHOD = '''\
"""Shipping rates."""

from functools import cache


class ShippingRates:
    """Rates by country."""

    @cache
    def for_country(self, country: str) -> int:
        """Standard rate in cents."""
        return 499 if country == "NL" else 599
'''


def test_ruff_b019_reports_a_cached_method_with_the_projects_rules() -> None:
    command = [sys.executable, "-m", "ruff", "check", "--no-cache"]
    command += ["--stdin-filename", "shop/orders/shipping.py", "-"]

    result = subprocess.run(
        command,
        input=CACHED_METHOD,
        cwd=REPO_ROOT,  # the repository's own rule selection
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "B019" in result.stdout
    assert "ruff's rule B019 reports it" in prose(PAGE)


def test_get_settings_is_the_lru_cache_the_page_names() -> None:
    cached = [
        name
        for name, value in inspect.getmembers(config)
        if isinstance(value, functools._lru_cache_wrapper)
    ]

    assert cached == ["get_settings"]
    assert "`get_settings()` in `snippets/shop/core/config.py`" in prose(PAGE)


def test_the_service_memoises_nothing_but_get_settings() -> None:
    """No ``@cache``/``@lru_cache`` anywhere in the service but get_settings."""
    decorated = []
    for path in sorted(SHOP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
                if names & {
                    "cache",
                    "lru_cache",
                    "functools.cache",
                    "functools.lru_cache",
                }:
                    decorated.append(node.name)

    assert decorated == ["get_settings"]
    assert "made once per `PasswordHasher`, in its constructor, not memoised" in prose(
        PAGE
    )
