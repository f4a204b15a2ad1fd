"""Evidence for STACK-ASYNC-ROUTES: async handlers, and a threadpool of 40 for sync ones.

The page's example of which thread runs which handler is run by
tests/docs/test_python_examples.py; its 40 of 50 blocking requests are
reproduced here.
"""

import asyncio
import importlib
import inspect
import pkgutil
import re
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from httpx import ASGITransport, AsyncClient, Response

import shop
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.pages import prose, run_as_written

PAGE = DOCS_DIR / "principles" / "stack" / "async-routes.md"


def _routers_of_the_service() -> dict[str, APIRouter]:
    """Every APIRouter defined anywhere in the shop package, by module file."""
    routers = {}
    for info in pkgutil.walk_packages(shop.__path__, "shop."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, APIRouter):
                routers[inspect.getfile(module)] = value
    return routers


def _routes_of_the_service() -> list[APIRoute]:
    """Every route of every APIRouter defined anywhere in the shop package."""
    return [
        route
        for router in _routers_of_the_service().values()
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


def test_every_route_of_the_reference_service_is_async_def() -> None:
    routes = _routes_of_the_service()

    assert len(routes) >= 8
    assert {r.path for r in routes} >= {"/health/live", "/health/ready"}
    sync = [r.path for r in routes if not inspect.iscoroutinefunction(r.endpoint)]
    assert sync == []
    assert "Every handler of the reference service is `async def`" in prose(PAGE)


def test_the_pages_search_finds_a_def_handler_in_every_module_with_a_router(
    tmp_path: Path,
) -> None:
    command = re.search(r"\*\*Search:\*\* `([^`]+)`", prose(PAGE))
    assert command is not None
    modules = [Path(file) for file in _routers_of_the_service()]
    snippets = REPO_ROOT / "snippets"
    shutil.copytree(snippets / "shop", tmp_path / "snippets" / "shop")
    for module in modules:  # a sync handler in each, as a mistake would add
        copy = tmp_path / module.relative_to(REPO_ROOT)
        copy.write_text(
            copy.read_text() + '\n\n@router.get("/export")\ndef export() -> None: ...\n'
        )

    in_the_repository = run_as_written(command.group(1), REPO_ROOT)
    with_sync_handlers = run_as_written(command.group(1), tmp_path)

    assert in_the_repository == []
    assert {line.split(":", 1)[0] for line in with_sync_handlers} == {
        str(module.relative_to(REPO_ROOT)) for module in modules
    }
    assert "snippets/shop/core/health.py" in {
        str(module.relative_to(REPO_ROOT)) for module in modules
    }


def _runs_on_the_event_loop(call: Callable[..., Any]) -> bool:
    """Whether FastAPI awaits this dependency rather than lend it a thread.

    FastAPI awaits a coroutine function and enters an async generator; it
    runs anything else, a plain function, a generator or a class, through
    Starlette's threadpool. An instance counts by its ``__call__``.
    """
    if not inspect.isroutine(call) and not inspect.isclass(call):
        call = type(call).__call__
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def _dependencies(dependant: Dependant) -> list[Callable[..., Any]]:
    """What a route calls to build its arguments, at any depth."""
    calls = []
    for sub in dependant.dependencies:
        calls += _dependencies(sub)
        if sub.call is not None:
            calls.append(sub.call)
    return calls


def _name(call: Callable[..., Any]) -> str:
    qualname = getattr(call, "__qualname__", type(call).__qualname__)
    return f"{call.__module__}.{qualname}"


def _sync_dependencies(routes: list[APIRoute]) -> set[str]:
    return {
        _name(call)
        for route in routes
        for call in _dependencies(route.dependant)
        if not _runs_on_the_event_loop(call)
    }


def test_every_dependency_of_the_reference_service_is_async() -> None:
    routes = _routes_of_the_service()
    reached = {
        _name(call) for route in routes for call in _dependencies(route.dependant)
    }

    sync = _sync_dependencies(routes)

    # Nested ones too: the hasher is a dependency of get_user_service.
    assert "shop.users.dependencies.get_password_hasher" in reached
    assert len(reached) >= 12
    assert sync == set()
    assert "finds no `def`" in prose(PAGE)


def test_the_walk_counts_a_def_a_generator_and_a_class_as_sync_at_any_depth() -> None:
    class Paging:
        def __init__(self, limit: int = 20) -> None:
            self.limit = limit

    def get_settings() -> str:
        return "settings"

    def get_session() -> Iterator[str]:
        yield "session"

    async def get_cache() -> str:
        return "cache"

    async def get_db() -> AsyncIterator[str]:
        yield "db"

    async def current_user(
        settings: Annotated[str, Depends(get_settings)],
        session: Annotated[str, Depends(get_session)],
        cache: Annotated[str, Depends(get_cache)],
        db: Annotated[str, Depends(get_db)],
    ) -> str:
        return " ".join((settings, session, cache, db))

    app = FastAPI()

    @app.get("/orders")
    async def orders(
        paging: Annotated[Paging, Depends()],
        token: Annotated[str, Depends(OAuth2PasswordBearer(tokenUrl="/auth/token"))],
        user: Annotated[str, Depends(current_user)],
    ) -> None: ...

    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    sync = {name.rsplit(".", 1)[-1] for name in _sync_dependencies(routes)}

    assert sync == {"Paging", "get_settings", "get_session"}


async def test_with_the_threads_taken_every_route_still_answers(
    client: AsyncClient,
) -> None:
    gate = threading.Event()
    busy: list[int] = []

    def hold_a_thread() -> None:
        busy.append(1)
        gate.wait(timeout=10)

    holders = [
        asyncio.create_task(anyio.to_thread.run_sync(hold_a_thread)) for _ in range(40)
    ]
    calls: dict[str, asyncio.Task[Response]] = {}
    try:
        await _until(lambda: len(busy) == 40)
        # One after the other: the test's client shares one session, which
        # takes one statement at a time. Every handler and dependency of
        # both is async, so neither needs a thread.
        for path in ("/health/ready", "/products"):
            calls[path] = asyncio.create_task(client.get(path))
            await asyncio.wait({calls[path]}, timeout=5)
        answered = {path for path, call in calls.items() if call.done()}
    finally:
        gate.set()
        await asyncio.gather(*holders, *calls.values())

    assert answered == {"/health/ready", "/products"}
    assert {call.result().status_code for call in calls.values()} == {200}
    assert "`GET /health/ready` still answer" in prose(PAGE)


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
