"""Evidence for STACK-ASYNC-ROUTES: async handlers, and a threadpool of 40 for sync ones.

The page's two examples (which thread runs which handler; 40 of 50 blocking
requests running) are run by tests/docs/test_python_examples.py.
"""

import importlib
import inspect
import pkgutil

import anyio.to_thread
from fastapi import APIRouter
from fastapi.routing import APIRoute

import shop
from handbook.content.docs_tree import DOCS_DIR
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "stack" / "async-routes.md"


def _routes_of_the_service() -> list[APIRoute]:
    """Every route of every APIRouter defined anywhere in the shop package."""
    routes = []
    for module in pkgutil.walk_packages(shop.__path__, "shop."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, APIRouter):
                routes += [r for r in value.routes if isinstance(r, APIRoute)]
    return routes


def test_every_route_of_the_reference_service_is_async_def() -> None:
    routes = _routes_of_the_service()

    assert len(routes) >= 8
    sync = [r.path for r in routes if not inspect.iscoroutinefunction(r.endpoint)]
    assert sync == []
    assert "Every handler of the reference service is `async def`" in prose(PAGE)


async def test_anyio_lends_sync_handlers_40_threads_by_default() -> None:
    assert anyio.to_thread.current_default_thread_limiter().total_tokens == 40
    assert "AnyIO's default limit is **40 threads**" in prose(PAGE)
