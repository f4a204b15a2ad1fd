"""Evidence for PERF-MEMOIZE. The page's examples run in test_python_examples;
this module checks what the page says about ruff and functools."""

import functools
import inspect
import subprocess
import sys

from evidence import prose

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core import config

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
