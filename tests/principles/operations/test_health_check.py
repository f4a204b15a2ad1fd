"""Evidence for OPS-HEALTH: /health checks the database and answers fast.

Each test reproduces a claim docs/principles/operations/health-check.md makes,
against the real tool, library or service.
"""

import asyncio
import inspect
import socket

import asyncpg
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from handbook.content.docs_tree import DOCS_DIR
from shop.core import health
from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.main import create_app
from tests.support.logs import json_log_lines
from tests.support.pages import prose
from tests.support.shop_fixtures import (
    assert_error,
    lifespan_client,
    on_database,
    running,
)

HEALTH_PAGE = DOCS_DIR / "principles" / "operations" / "health-check.md"


def test_connect_timeouts_are_what_the_health_page_says() -> None:
    timeout = inspect.signature(asyncpg.connect).parameters["timeout"].default
    ours = Settings.model_fields["database_connect_timeout_seconds"].default

    assert timeout == 60
    assert ours == 5
    page_text = prose(HEALTH_PAGE)
    assert "`connect()` has a default timeout of 60 seconds" in page_text
    assert "asyncpg's default of 60 seconds" in page_text
    assert "`database_connect_timeout_seconds` (default 5)" in page_text


# A guard, not a speed target: asyncpg's own default would wait 60 s.
HANG_GUARD_SECONDS = 10


async def test_a_request_other_than_the_probe_waits_only_the_connect_timeout(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The probe has an ``asyncio.timeout`` of its own; no other endpoint has.

    Only asyncpg's ``timeout`` connect argument ends their wait on a database
    that accepts the connection and never answers.
    """
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        hanging = on_database(
            settings,
            f"postgresql://postgres@127.0.0.1:{port}/shop",
            database_connect_timeout_seconds=0.5,
        )
        async with lifespan_client(create_app(hanging)) as client:
            capsys.readouterr()
            request = asyncio.create_task(client.get("/products"))
            done, _ = await asyncio.wait({request}, timeout=HANG_GUARD_SECONDS)
            request.cancel()  # a no-op once it has answered
            await asyncio.wait({request})

    assert done, f"no answer after {HANG_GUARD_SECONDS} s: asyncpg's 60 s default"
    assert_error(request.result(), 503, "service_unavailable")
    [warning] = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["level"] == "WARNING"
    ]
    assert warning["error"] in {"TimeoutError", "TimeoutError()"}
    assert "every other request that opens a connection" in prose(HEALTH_PAGE)


async def test_a_full_pool_makes_readiness_503_though_the_database_answers(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    one_connection = settings.model_copy(
        update={
            "database_pool_size": 1,
            "database_max_overflow": 0,
            "database_pool_timeout_seconds": 0.5,
        }
    )
    app = create_app(one_connection)
    async with (
        running(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://t") as client,
    ):
        # Another request (here: the test) holds the only connection.
        async with served.state["engine"].connect() as held:
            assert await held.scalar(text("SELECT 1")) == 1  # the database answers
            capsys.readouterr()
            full = await asyncio.wait_for(
                client.get("/health/ready"), HANG_GUARD_SECONDS
            )
        log = json_log_lines(capsys.readouterr().out)
        # Released, the same pool serves the probe again.
        released = await client.get("/health/ready")

    assert_error(full, 503, "service_unavailable")
    [warning] = [line for line in log if line["level"] == "WARNING"]
    assert warning["message"] == "database unreachable"
    # The pool's own timeout, not the database, ended the wait.
    assert warning["error"].startswith("TimeoutError('QueuePool limit of size 1")
    assert released.status_code == 200
    assert "logged as `database unreachable` though the database answers" in prose(
        HEALTH_PAGE
    )


def _dependency_calls(dependant: Dependant) -> set[object]:
    calls: set[object] = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _dependency_calls(sub)
    return calls


def test_readiness_reads_through_get_db_and_liveness_through_nothing() -> None:
    routes = {
        route.path: route
        for route in health.router.routes
        if isinstance(route, APIRoute)
    }

    assert get_db in _dependency_calls(routes["/health/ready"].dependant)
    assert routes["/health/live"].dependant.dependencies == []
    assert "the readiness check uses the same per-request session" in prose(HEALTH_PAGE)


async def test_the_sources_bare_health_path_is_a_404_and_its_two_probes_answer(
    client: AsyncClient,
) -> None:
    """The source asks for ``/health``; the service splits it in two."""
    paths = ("/health", "/health/live", "/health/ready")
    answers = {path: (await client.get(path)).status_code for path in paths}

    assert answers == {"/health": 404, "/health/live": 200, "/health/ready": 200}
    assert "The handbook splits it into liveness and readiness" in prose(HEALTH_PAGE)


# --8<-- [start:constant-readiness]
async def test_a_constant_readiness_check_is_200_while_the_database_is_down() -> None:
    # --8<-- [start:lead-constant-readiness]
    # Nothing listens on port 1: the database is down from the start.
    engine = create_async_engine("postgresql+asyncpg://shop@127.0.0.1:1/shop")
    app = FastAPI()

    @app.get("/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "healthy"}

    @app.get("/orders/count")
    async def count_orders() -> dict[str, int | None]:
        async with engine.connect() as connection:
            count = await connection.scalar(text("SELECT count(*) FROM orders"))
        return {"orders": count}

    async with AsyncClient(
        transport=ASGITransport(app), base_url="http://shop"
    ) as client:
        probe = await client.get("/health/ready")  # 200 {"status": "healthy"}
        with pytest.raises(ConnectionRefusedError):  # the first real query
            await client.get("/orders/count")
    # --8<-- [end:lead-constant-readiness]
    await engine.dispose()

    assert (probe.status_code, probe.json()) == (200, {"status": "healthy"})
    # --8<-- [end:constant-readiness]
