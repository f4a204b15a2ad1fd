"""Evidence for STACK-ASYNC-ROUTES: async handlers, and a threadpool of 40 for sync ones.

The page's example of which thread runs which handler is run by
tests/docs/test_python_examples.py; its 40 of 50 blocking requests are
reproduced here.
"""

import asyncio
import importlib
import inspect
import pkgutil
import threading
import time
from collections.abc import Callable
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient

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


# --8<-- [start:threads-run-out]
release = threading.Event()
running: list[int] = []


def fetch_warehouse_report() -> list[dict[str, int]]:
    """Stands for any blocking call: `requests`, a sync driver, a slow file."""
    running.append(1)
    release.wait(timeout=10)
    running.pop()
    return []


blocking_app = FastAPI()


# --8<-- [start:lead-blocking-def]
@blocking_app.get("/orders/export")
def export_orders() -> dict[str, int]:
    rows = fetch_warehouse_report()  # blocks this thread until it returns
    return {"orders": len(rows)}
    # --8<-- [end:lead-blocking-def]


async def test_fifty_blocking_requests_run_forty_at_a_time() -> None:
    release.clear()
    transport = ASGITransport(app=blocking_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        calls = [asyncio.create_task(client.get("/orders/export")) for _ in range(50)]
        await _until(lambda: len(running) >= 40)
        await asyncio.sleep(0.5)  # time enough for the other ten, if they could
        at_once = len(running)
        release.set()
        statuses = {r.status_code for r in await asyncio.gather(*calls)}

    assert at_once == 40  # the other ten wait for a free thread
    assert statuses == {200}
    # --8<-- [end:threads-run-out]


async def _until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the blocking requests never started"
        await asyncio.sleep(0.01)


async def test_while_the_threads_are_taken_other_def_handlers_and_sync_dependencies_wait() -> (
    None
):
    app = FastAPI()
    gate = threading.Event()
    busy: list[int] = []

    @app.get("/orders/export")
    def export() -> dict[str, int]:
        busy.append(1)
        gate.wait(timeout=10)
        return {}

    @app.get("/health/live")
    def live() -> dict[str, str]:  # no I/O at all, still a def
        return {"status": "ok"}

    def current_user() -> str:  # a sync dependency of an async handler
        return "ada"

    @app.get("/users/me")
    async def me(user: Annotated[str, Depends(current_user)]) -> dict[str, str]:
        return {"user": user}

    @app.get("/orders")
    async def orders() -> list[str]:
        return []

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        exports = [asyncio.create_task(client.get("/orders/export")) for _ in range(40)]
        await _until(lambda: len(busy) == 40)
        others = {
            path: asyncio.create_task(client.get(path))
            for path in ("/health/live", "/users/me", "/orders")
        }
        # The async handler with no sync dependency answers meanwhile...
        assert (await asyncio.wait_for(others["/orders"], timeout=10)).is_success
        await asyncio.sleep(0.2)  # ...and the others had as long again to
        waiting = {path for path, call in others.items() if not call.done()}
        gate.set()
        await asyncio.gather(*exports, *others.values())

    # Only the handler that needs no thread got through.
    assert waiting == {"/health/live", "/users/me"}
    assert "the same wait hits every other `def` handler and sync dependency" in (
        prose(PAGE)
    )
