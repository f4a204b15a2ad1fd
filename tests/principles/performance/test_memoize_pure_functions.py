"""Evidence for PERF-MEMOIZE. The page's examples run in test_python_examples;
this module checks what the page says about ruff and functools."""

import ast
import functools
import gc
import inspect
import weakref
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

import shop
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.catalog.models import Product
from shop.core import config
from shop.core.config import Settings
from tests.support.linting import ruff_check_code
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
    # From the repository root: the repository's own rule selection.
    result = ruff_check_code(CACHED_METHOD, "shop/orders/shipping.py")

    assert result.returncode == 1
    assert "B019" in result.stdout
    assert "ruff's rule B019 reports it" in prose(PAGE)


CACHED_ENUM_METHOD = '''\
"""Order statuses."""

from enum import Enum
from functools import cache


class OrderStatus(Enum):
    """Where an order is."""

    PAID = "paid"
    SHIPPED = "shipped"

    @cache
    def label(self) -> str:
        """The status as customers read it."""
        return self.value.title()
'''


def _ruff_codes(source: str) -> str:
    return ruff_check_code(source, "shop/orders/status.py").stdout


def test_ruff_b019_passes_the_same_cache_on_an_enum_method() -> None:
    assert "B019" not in _ruff_codes(CACHED_ENUM_METHOD)
    # The same method on an ordinary class is reported: the rule ran.
    ordinary = CACHED_ENUM_METHOD.replace("(Enum)", "")
    assert "B019" in _ruff_codes(ordinary)


def _load(source: str, name: str) -> type:
    namespace: dict[str, Any] = {}
    exec(compile(source, "shop/orders/status.py", "exec"), namespace)  # noqa: S102
    cls: type = namespace[name]
    return cls


def test_a_cache_on_an_enum_method_keeps_nothing_alive_past_the_enum() -> None:
    """The cache lives on the class, its keys are the class's members: when
    the enum goes, all of it goes. On an ordinary class the cache keeps each
    instance it saw alive, which is what B019 is about."""
    statuses: Any = _load(CACHED_ENUM_METHOD, "OrderStatus")
    labels = [member.label() for member in statuses]
    assert labels == ["Paid", "Shipped"]
    enum_alive = weakref.ref(statuses)
    member_alive = weakref.ref(next(iter(statuses)))
    del statuses
    gc.collect()
    assert (enum_alive(), member_alive()) == (None, None)

    rates = _load(CACHED_METHOD, "ShippingRates")
    instance = rates()
    assert instance.for_country("NL") == 499
    instance_alive = weakref.ref(instance)
    del instance
    gc.collect()
    assert instance_alive() is not None  # held by the cache on its class


def test_get_settings_is_the_lru_cache_the_page_names() -> None:
    cached = [
        name
        for name, value in inspect.getmembers(config)
        if isinstance(value, functools._lru_cache_wrapper)
    ]

    assert cached == ["get_settings"]
    assert "`get_settings()` in `snippets/shop/core/config.py`" in prose(PAGE)


def test_no_caller_can_change_the_settings_every_caller_shares(
    settings: Settings,
) -> None:
    with pytest.raises(ValidationError, match="Instance is frozen"):
        settings.log_level = "DEBUG"  # type: ignore[misc]  # mypy knows it is frozen
    # A frozen model hashes its field values: that raises "unhashable type"
    # if any field holds a list, dict or set that could change in place.
    try:
        hash(settings)
    except TypeError as error:
        pytest.fail(f"a field of Settings can change in place: {error}")

    # A test that needs other settings makes a copy; the original is unchanged.
    verbose = settings.model_copy(update={"log_level": "DEBUG"})
    assert (verbose.log_level, settings.log_level) == ("DEBUG", "INFO")
    page = prose(PAGE)
    assert (
        "so the model is frozen: assigning to a field raises a `ValidationError`"
        in page
    )
    assert "no field holds a list or dict a caller could change in place" in page
    assert "makes a copy with `model_copy(update=...)`" in page


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


type Function = ast.FunctionDef | ast.AsyncFunctionDef


def _is_cache_clear(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "cache_clear"
    )


def _cache_clears(path: Path) -> list[tuple[Function | None, ast.Call]]:
    """Each ``<something>.cache_clear()`` call in ``path``, with the innermost
    function it is in (``None`` at module level)."""
    tree = ast.parse(path.read_text())
    found: dict[int, tuple[Function | None, ast.Call]] = {}
    for node in ast.walk(tree):  # breadth first: inner functions come later
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _is_cache_clear(call):
                    found[id(call)] = (node, call)
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and _is_cache_clear(call):
            found.setdefault(id(call), (None, call))
    return list(found.values())


def _sets_environment_variables(function: Function | None) -> bool:
    return function is not None and any(
        isinstance(node, ast.Call) and ast.unparse(node.func) == "monkeypatch.setenv"
        for node in ast.walk(function)
    )


def test_only_tests_that_change_the_environment_clear_get_settings() -> None:
    """No service code calls ``cache_clear()``: what it cached was pure.
    Each test that clears ``get_settings`` sets environment variables."""
    in_service = [
        f"{path.relative_to(REPO_ROOT)}:{call.lineno}"
        for path in sorted((REPO_ROOT / "snippets").rglob("*.py"))
        for _, call in _cache_clears(path)
    ]
    in_tests = {
        f"{path.relative_to(REPO_ROOT)}:{call.lineno}": _sets_environment_variables(
            function
        )
        for path in sorted((REPO_ROOT / "tests").rglob("*.py"))
        for function, call in _cache_clears(path)
        if ast.unparse(call.func) == "get_settings.cache_clear"
    }

    assert in_service == []
    assert in_tests  # the service's tests do clear it
    assert all(in_tests.values()), in_tests
    page = prose(PAGE)
    assert "Only tests that change the environment call" in page
    assert "`cache_clear()` calls in service code" in page


async def _product(session: AsyncSession, sku: str, price_cents: int) -> int:
    product = Product(sku=sku, name=sku.title(), unit_price_cents=price_cents)
    session.add(product)
    await session.flush()
    return product.id


async def _reprice(session: AsyncSession, product_id: int, price_cents: int) -> None:
    await session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(unit_price_cents=price_cents)
    )


def _current_price(sync_session: Session, product_id: int) -> int:
    query = select(Product.unit_price_cents).where(Product.id == product_id)
    return sync_session.scalars(query).one()


async def test_a_cached_database_read_serves_the_old_row_after_an_update(
    session: AsyncSession,
) -> None:
    cached_price = functools.cache(_current_price)
    mug = await _product(session, "mug", 1299)
    assert await session.run_sync(cached_price, mug) == 1299

    await _reprice(session, mug, 999)

    # The database has the new price; the cache still answers the old one.
    assert await session.run_sync(_current_price, mug) == 999
    assert await session.run_sync(cached_price, mug) == 1299
    # Until the entry goes: here cache_clear(), as a restart would.
    cached_price.cache_clear()
    assert await session.run_sync(cached_price, mug) == 999
    page = prose(PAGE)
    assert "data that changed in the database is served stale until" in page
    assert "a write to the database does not reach a cached read" in page


async def test_a_bounded_cache_rereads_the_row_once_its_entry_is_evicted(
    session: AsyncSession,
) -> None:
    cached_price = functools.lru_cache(maxsize=1)(_current_price)
    mug, teapot = (
        await _product(session, "mug", 1299),
        await _product(session, "teapot", 2499),
    )
    assert await session.run_sync(cached_price, mug) == 1299
    await _reprice(session, mug, 999)
    assert await session.run_sync(cached_price, mug) == 1299  # still cached

    await session.run_sync(cached_price, teapot)  # pushes the mug's entry out

    assert await session.run_sync(cached_price, mug) == 999
    assert "or the entry is evicted from a bounded cache" in prose(PAGE)


def test_lru_cache_without_a_maxsize_keeps_128_entries_and_cache_keeps_all() -> None:
    def square(number: int) -> int:
        return number * number

    default = functools.lru_cache()(square)
    unbounded_forms = (
        functools.cache(square),
        functools.lru_cache(maxsize=None)(square),
    )
    for cached in (default, *unbounded_forms):
        for number in range(1000):
            cached(number)

    assert default.cache_info().maxsize == 128
    assert default.cache_info().currsize == 128
    assert [cached.cache_info().currsize for cached in unbounded_forms] == [1000, 1000]
    assert [cached.cache_info().maxsize for cached in unbounded_forms] == [None, None]
    page = prose(PAGE)
    assert "`@cache` or `lru_cache(maxsize=None)` on a function with an open" in page
    assert "`lru_cache()` with no `maxsize` keeps 128 entries" in page
