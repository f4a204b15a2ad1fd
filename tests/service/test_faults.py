"""Specification of the service when its database fails: down, frozen, saturated.

The database sits behind a proxy that can refuse, cut or freeze connections
(db_proxy.py). The app runs with its real engine and lifespan, as under
uvicorn. Each fault must give a quick 503 in the common error body, logged
as a warning rather than a crash, and the service must recover by itself.
The hang guards are generous limits against a stuck test, not speed targets.
"""

import asyncio
import inspect
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

import asyncpg
import pytest
from fastapi import Depends, FastAPI
from httpx import ASGITransport, AsyncClient, Response
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import make_url, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError, MultipleResultsFound
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core import errors
from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.errors import is_database_unavailable
from shop.core.main import create_app
from shop.shared.exceptions import OUTAGE_RETRY_AFTER_SECONDS
from shop.users import security
from shop.users.models import User
from shop.users.security import PasswordHasher
from tests.support.app_role import libpq_url
from tests.support.db_proxy import DatabaseProxy, database_proxy
from tests.support.logs import json_log_lines
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    assert_error,
    lifespan_client,
    load_script,
    on_database,
    running,
)
from throwaway.postgres import SCRAM_ROLE

HANG_GUARD_SECONDS = 30
# What _every_endpoint gets from a healthy service: the unknown order is a
# 404 and the unknown SKU a 422, so every request reached the database.
RECOVERED = [200, 201, 200, 200, 200, 200, 404, 422, 200]


@pytest.fixture(scope="module")
async def own_database_url(create_database: DatabaseFactory) -> str:
    """A migrated database of this module's own: these tests commit rows."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    return url


@pytest.fixture
async def proxy(own_database_url: str) -> AsyncIterator[DatabaseProxy]:
    """A proxy in front of this module's database."""
    async with database_proxy(own_database_url) as proxy:
        yield proxy


def _settings_via(
    proxy: DatabaseProxy, settings: Settings, **overrides: Any
) -> Settings:
    return on_database(settings, proxy.url(), **overrides)


@asynccontextmanager
async def _shop(
    proxy: DatabaseProxy, settings: Settings, **timeouts: float
) -> AsyncIterator[AsyncClient]:
    """The app through the proxy, with short timeouts (1 s each unless
    ``timeouts`` says otherwise), started as a server would.

    Built inside the test, after ``capsys`` has replaced stdout, so the app's
    JSON log handler writes into the capture the test reads.
    """
    app = create_app(
        _settings_via(
            proxy,
            settings,
            **{
                "database_connect_timeout_seconds": 1.0,
                "database_command_timeout_seconds": 1.0,
                "database_pool_timeout_seconds": 1.0,
                **timeouts,
            },
        )
    )
    async with lifespan_client(app) as client:
        yield client


async def _signed_in(client: AsyncClient) -> dict[str, str]:
    email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
    created = await client.post(
        "/users", json={"email": email, "name": "Grace Hopper", "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    token = await client.post(
        "/auth/token", data={"username": email, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _every_endpoint(client: AsyncClient, headers: dict[str, str]) -> list[Any]:
    """One request to each database-backed endpoint, each within the hang guard."""
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    requests = [
        client.get("/health/ready"),
        client.post(
            "/users", json={"email": email, "name": "Ada", "password": PASSWORD}
        ),
        client.post("/auth/token", data={"username": email, "password": PASSWORD}),
        client.get("/users/me", headers=headers),
        client.patch("/users/me", headers=headers, json={"name": "Grace"}),
        client.get("/orders", headers=headers),
        client.get("/orders/1", headers=headers),
        client.post(
            "/orders",
            headers=headers,
            json={"items": [{"sku": "MUG-1", "quantity": 1}]},
        ),
        client.get("/products"),
    ]
    return [await asyncio.wait_for(r, HANG_GUARD_SECONDS) for r in requests]


def assert_outage(response: Response) -> dict[str, Any]:
    """A 503 in the common body that says when to retry; returns ``error``."""
    error = assert_error(response, 503, "service_unavailable")
    assert response.headers.get("Retry-After") == str(OUTAGE_RETRY_AFTER_SECONDS)
    return error


def _log(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return json_log_lines(capsys.readouterr().out)


def _client(
    app: FastAPI, *, raise_app_exceptions: bool = True
) -> AbstractAsyncContextManager[AsyncClient]:
    return lifespan_client(app, raise_app_exceptions=raise_app_exceptions)


# --8<-- [start:database-down]
async def test_with_the_database_down_every_endpoint_is_a_503_then_recovers(
    settings: Settings,
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with _shop(proxy, settings) as client:
        headers = await _signed_in(client)

        await proxy.stop()
        capsys.readouterr()
        during = await _every_endpoint(client, headers)
        log = _log(capsys)

        for response in during:
            assert_outage(response)
        assert (await client.get("/health/live")).status_code == 200
        # An outage is expected operation, not a bug: one warning per
        # request, no tracebacks.
        warnings = [line for line in log if line["level"] == "WARNING"]
        assert len(warnings) == len(during)
        assert {line["level"] for line in log} == {"INFO", "WARNING"}
        assert not any("exception" in line for line in log)

        await proxy.start()
        after = await _every_endpoint(client, headers)

        # The same app, not restarted: its pool replaced the dead connections.
        assert [r.status_code for r in after] == RECOVERED
        # --8<-- [end:database-down]


# --8<-- [start:database-frozen]
async def test_with_the_database_frozen_requests_end_in_503_not_a_hang(
    settings: Settings,
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with _shop(proxy, settings) as client:
        headers = await _signed_in(client)

        proxy.freeze()
        capsys.readouterr()
        during = await _every_endpoint(client, headers)
        log = _log(capsys)

        for response in during:
            assert_outage(response)
        # A timeout ended each wait: nothing was refused, the database just
        # never answered.
        causes = [line.get("error") for line in log if line["level"] == "WARNING"]
        assert len(causes) == len(during)
        assert set(causes) <= {"TimeoutError", "TimeoutError()"}, causes

        proxy.thaw()
        after = await _every_endpoint(client, headers)
        assert [r.status_code for r in after] == RECOVERED
        # --8<-- [end:database-frozen]


async def test_a_pooled_connection_that_no_longer_answers_is_a_503(
    settings: Settings,
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with _shop(proxy, settings) as client:
        # One connection now waits in the pool.
        assert (await client.get("/products")).status_code == 200

        proxy.freeze()
        capsys.readouterr()
        # pool_pre_ping checks the pooled connection first; asyncpg's
        # command_timeout ends the check with a bare TimeoutError.
        response = await asyncio.wait_for(client.get("/products"), HANG_GUARD_SECONDS)
        log = _log(capsys)
        proxy.thaw()

        assert_outage(response)
        [warning] = [line for line in log if line["level"] == "WARNING"]
        assert warning["error"] == "TimeoutError"


@pytest.mark.parametrize(
    ("path", "first_wait"),
    [("/health/ready", "probe budget"), ("/products", "command timeout")],
)
async def test_a_pooled_connection_that_hangs_costs_its_timeout_and_up_to_2_s_more(
    settings: Settings, proxy: DatabaseProxy, path: str, first_wait: str
) -> None:
    waits = {"probe budget": 1.0, "command timeout": 3.0}
    async with _shop(
        proxy,
        settings,
        database_connect_timeout_seconds=waits["probe budget"],
        database_command_timeout_seconds=waits["command timeout"],
    ) as client:
        # The request's own connection now waits in the pool.
        assert (await client.get(path)).status_code == 200

        proxy.freeze()
        started = time.perf_counter()
        response = await asyncio.wait_for(client.get(path), HANG_GUARD_SECONDS)
        waited = time.perf_counter() - started
        proxy.thaw()

    assert_outage(response)
    # The timeout ends the wait; closing the hung connection, which the
    # session does before the response goes out, takes up to 2 s more. The
    # lower bound holds on any machine; the upper one is a guard.
    assert waits[first_wait] + 1.5 < waited < waits[first_wait] + 2 + 5, waited
    graceful_close = inspect.getsource(
        AsyncAdapt_asyncpg_connection._terminate_graceful_close
    )
    assert "close(timeout=2)" in graceful_close


# --8<-- [start:pre-ping]
async def test_a_pooled_connection_the_server_closed_is_replaced_unseen(
    settings: Settings,
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with _shop(proxy, settings) as client:
        # One connection now waits in the pool.
        assert (await client.get("/products")).status_code == 200

        # The server side closes it while no request runs (a restart, an
        # idle timeout), and is back before the next request.
        await proxy.stop()
        await proxy.start()
        capsys.readouterr()
        response = await asyncio.wait_for(client.get("/products"), HANG_GUARD_SECONDS)

        # pool_pre_ping found the closed connection and opened a new one:
        # the request never saw it (without the ping, it is a 503).
        assert response.status_code == 200
        assert not [line for line in _log(capsys) if line["level"] != "INFO"]
        # --8<-- [end:pre-ping]


RUNNING = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = $1"


async def _until_running(database_url: str, statement: str) -> None:
    """Wait until PostgreSQL is running ``statement`` (pg_stat_activity)."""
    dsn = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            # PostgreSQL has no event to wait on: poll it.
            while not await connection.fetchval(RUNNING, statement):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await connection.close()


SLOW_STATEMENT = "SELECT pg_sleep(1)"  # well within the app's command_timeout


@pytest.mark.parametrize(
    ("fault", "judged"),
    [
        # The socket closes under a running statement: SQLAlchemy wraps
        # asyncpg's ConnectionDoesNotExistError (SQLSTATE 08003).
        ("cut during a statement", ("DBAPIError", True, "08003")),
        # It closed between two statements of the request: asyncpg's
        # "connection is closed" has no SQLSTATE, and connection_invalidated
        # is all that says it is an outage.
        ("cut between statements", ("InterfaceError", True, None)),
        # No answer: asyncpg's command_timeout ends the wait, unwrapped.
        ("frozen during a statement", ("TimeoutError", None, None)),
    ],
    ids=["cut-mid-statement", "cut-between-statements", "frozen-mid-statement"],
)
async def test_a_connection_lost_during_a_request_is_a_503(
    settings: Settings,
    own_database_url: str,
    proxy: DatabaseProxy,
    fault: str,
    judged: tuple[str, bool | None, str | None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[BaseException] = []

    def is_unavailable(exc: BaseException) -> bool:
        seen.append(exc)
        return is_database_unavailable(exc)

    monkeypatch.setattr(errors, "is_database_unavailable", is_unavailable)
    app = create_app(
        _settings_via(proxy, settings, database_command_timeout_seconds=3.0)
    )
    first_statement_done = asyncio.Event()

    async def report(db: Annotated[AsyncSession, Depends(get_db)]) -> None:
        if fault == "cut between statements":
            await db.execute(text("SELECT 1"))
            pooled = await (await db.connection()).get_raw_connection()
            asyncpg_connection = pooled.driver_connection
            assert asyncpg_connection is not None
            closed = asyncio.Event()
            asyncpg_connection.add_termination_listener(lambda _: closed.set())
            first_statement_done.set()
            # Work that is not SQL, long enough for asyncpg to see the close.
            await closed.wait()
            await db.execute(text("SELECT 2"))
        else:
            await db.execute(text(SLOW_STATEMENT))

    app.add_api_route("/reports/slow", report)
    async with _client(app) as client:
        capsys.readouterr()
        in_flight = asyncio.create_task(client.get("/reports/slow"))
        if fault == "cut between statements":
            await asyncio.wait_for(first_statement_done.wait(), HANG_GUARD_SECONDS)
        else:
            await _until_running(own_database_url, SLOW_STATEMENT)
        if fault.startswith("cut"):
            await proxy.stop()
        else:
            proxy.freeze()
        response = await asyncio.wait_for(in_flight, HANG_GUARD_SECONDS)
        proxy.thaw()
        log = _log(capsys)

    assert_outage(response)
    [error] = seen
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    invalidated = getattr(error, "connection_invalidated", None)
    assert (type(error).__name__, invalidated, sqlstate) == judged
    [warning] = [line for line in log if line["level"] == "WARNING"]
    assert (warning["message"], warning["error"]) == ("database unavailable", judged[0])
    # An outage, not a bug: no ERROR line, no traceback.
    assert {line["level"] for line in log} == {"INFO", "WARNING"}
    assert not any("exception" in line for line in log)


# --8<-- [start:pool-exhausted]
async def test_with_the_pool_exhausted_a_request_is_a_quick_503(
    proxy: DatabaseProxy, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(
        _settings_via(
            proxy,
            settings,
            database_pool_size=1,
            database_max_overflow=0,
            database_pool_timeout_seconds=0.5,
        )
    )
    async with (
        running(app) as served,
        AsyncClient(
            transport=ASGITransport(app=served), base_url="http://test"
        ) as client,
    ):
        # Another request (here: the test) holds the only connection.
        async with served.state["engine"].connect():
            capsys.readouterr()
            started = time.monotonic()
            response = await asyncio.wait_for(
                client.get("/products"), HANG_GUARD_SECONDS
            )
            waited = time.monotonic() - started
        assert_outage(response)
        # It waited for the pool_timeout of 0.5 s, not SQLAlchemy's 30 s.
        # (The upper bound leaves a loaded machine room.)
        assert 0.5 <= waited < 5, waited
        [warning] = [line for line in _log(capsys) if line["level"] == "WARNING"]
        assert warning["error"] == "TimeoutError"

        # Released, the connection serves the next request.
        assert (await client.get("/products")).status_code == 200
    # --8<-- [end:pool-exhausted]


async def test_a_statement_over_the_server_side_timeout_is_a_503(
    own_database_url: str, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(
        on_database(settings, own_database_url, database_statement_timeout_ms=200)
    )

    async def slow_report(db: Annotated[AsyncSession, Depends(get_db)]) -> None:
        await db.execute(text("SELECT pg_sleep(5)"))

    app.add_api_route("/reports/slow", slow_report)
    async with _client(app) as client:
        capsys.readouterr()
        response = await asyncio.wait_for(
            client.get("/reports/slow"), HANG_GUARD_SECONDS
        )

    # PostgreSQL cancelled it (SQLSTATE 57014): the database protected itself.
    error = assert_outage(response)
    assert error["message"] == "Database unavailable"
    [warning] = [line for line in _log(capsys) if line["level"] == "WARNING"]
    assert warning["error"] == "DBAPIError"
    # What an operator greps for, and which request it cost.
    assert (warning["message"], warning["path"]) == (
        "database unavailable",
        "/reports/slow",
    )


# --- the server refuses the connection -------------------------------------------------

# The right password of SCRAM_ROLE, and the wrong one the app is given.
RIGHT_PASSWORD = "right-horse-battery-staple"  # noqa: S105  # pragma: allowlist secret
WRONG_PASSWORD = "wrong-horse-battery-staple"  # noqa: S105  # pragma: allowlist secret


@pytest.fixture(scope="module")
async def scram_role(server_url: str) -> str:
    """A role the server asks for its password (throwaway.postgres trusts the
    others); created once per server, its password set each time."""
    connection = await asyncpg.connect(libpq_url(server_url))
    try:
        exists = await connection.fetchval(
            "SELECT count(*) FROM pg_roles WHERE rolname = $1", SCRAM_ROLE
        )
        if not exists:
            await connection.execute(f"CREATE ROLE {SCRAM_ROLE} LOGIN")
        await connection.execute(f"ALTER ROLE {SCRAM_ROLE} PASSWORD '{RIGHT_PASSWORD}'")
    finally:
        await connection.close()
    return SCRAM_ROLE


def _refusing_url(case: str, database_url: str, role: str) -> str:
    url = make_url(database_url)
    if case == "wrong-password":
        url = url.set(username=role, password=WRONG_PASSWORD)
    elif case == "unknown-role":
        url = url.set(username=f"nobody_{uuid.uuid4().hex[:8]}")
    else:  # a database that does not exist, or no longer does
        url = url.set(database=f"shop_gone_{uuid.uuid4().hex[:8]}")
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("case", "sqlstate"),
    [
        ("wrong-password", "28P01"),
        ("unknown-role", "28000"),
        ("unknown-database", "3D000"),
    ],
)
async def test_a_connection_the_server_refuses_is_a_503_logged_with_its_sqlstate(
    own_database_url: str,
    scram_role: str,
    settings: Settings,
    case: str,
    sqlstate: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = _refusing_url(case, own_database_url, scram_role)
    app = create_app(on_database(settings, url))
    async with _client(app) as client:
        capsys.readouterr()
        responses = [
            await client.get("/products"),
            await client.post(
                "/users",
                json={"email": "ada@example.com", "name": "Ada", "password": PASSWORD},
            ),
            await client.post(
                "/auth/token",
                data={"username": "ada@example.com", "password": PASSWORD},
            ),
        ]
        ready = await client.get("/health/ready")
    output = capsys.readouterr().out
    log = json_log_lines(output)

    # The request was fine; this replica cannot reach its data, as readiness says.
    for response in responses:
        assert_outage(response)
    assert_error(ready, 503, "service_unavailable")
    warnings = [line for line in log if line["level"] == "WARNING"]
    assert len(warnings) == len(responses) + 1  # one per request, the probe's too
    unavailable = [
        line for line in warnings if line["message"] == "database unavailable"
    ]
    assert [line.get("sqlstate") for line in unavailable] == [sqlstate] * len(responses)
    assert {line["level"] for line in log} == {"INFO", "WARNING"}
    assert not any("exception" in line for line in log)
    assert WRONG_PASSWORD not in output
    assert RIGHT_PASSWORD not in output


# --8<-- [start:sql-error-log]
async def test_a_database_bug_is_a_500_logged_once_without_sql_parameters(
    create_database: DatabaseFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Forgot to migrate: every query fails, a bug rather than an outage.
    unmigrated = await create_database()
    app = create_app(on_database(settings, unmigrated))
    async with _client(app) as client:
        capsys.readouterr()
        response = await client.post(
            "/auth/token",
            data={"username": "grace@example.com", "password": "hunter2-hunter2"},
        )
    output = capsys.readouterr().out

    assert_error(response, 500, "internal_server_error")
    [error] = [line for line in json_log_lines(output) if line["level"] == "ERROR"]
    assert (error["method"], error["path"]) == ("POST", "/auth/token")
    # Logged by the database-error handler itself: the last exception of its
    # traceback is the database's error, not one raised while handling it.
    raised = re.findall(r"^([\w.]+(?:Error|Exception)):", error["exception"], re.M)
    assert raised[-1] == "sqlalchemy.exc.ProgrammingError"
    assert "During handling of the above exception" not in error["exception"]
    assert 'relation "users" does not exist' in error["exception"]
    assert "[SQL parameters hidden due to hide_parameters=True]" in error["exception"]
    assert "grace@example.com" not in output
    assert "hunter2" not in output
    # --8<-- [end:sql-error-log]


# Another cost than the service's: every hash it stored is due an upgrade.
RAISED_COST = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1),))


async def test_a_sign_in_lost_after_the_password_matched_is_logged_as_one(
    settings: Settings,
    proxy: DatabaseProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The right password, a hash due an upgrade, and the database gone
    before the new hash is written: a 503, and no shop.auth line said the
    owner had proved the password."""
    upgraded_hash = PasswordHasher.upgraded_hash

    async def upgraded_as_the_database_goes(
        hasher: PasswordHasher, password: str, password_hash: str
    ) -> str | None:
        new_hash = await upgraded_hash(hasher, password, password_hash)
        await proxy.stop()
        return new_hash

    email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
    sign_in = {"username": email, "password": PASSWORD}
    async with _shop(proxy, settings) as client:
        created = await client.post(
            "/users",
            json={"email": email, "name": "Grace Hopper", "password": PASSWORD},
        )
        monkeypatch.setattr(security, "_password_hash", RAISED_COST)
        monkeypatch.setattr(
            PasswordHasher, "upgraded_hash", upgraded_as_the_database_goes
        )
        capsys.readouterr()
        lost = await client.post("/auth/token", data=sign_in)
        monkeypatch.undo()
        await proxy.start()
        after = await client.post("/auth/token", data=sign_in)
        log = _log(capsys)

    assert_outage(lost)
    assert after.status_code == 200, after.text
    auth = [line for line in log if line["logger"] == "shop.auth"]
    assert [(line["level"], line["message"]) for line in auth] == [
        ("WARNING", "sign-in interrupted after the password matched"),
        ("INFO", "sign-in succeeded"),
    ]
    # Who and from where, in the fields a success carries.
    interrupted, succeeded = auth
    assert interrupted["user_id"] == succeeded["user_id"] == created.json()["id"]
    assert interrupted["client"] == succeeded["client"]


# --- what a database error may put in the log ----------------------------------------

# A real Argon2id hash, the shape of every stored password.
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g"  # pragma: allowlist secret
EMAIL = "alice@example.com"


def _buggy_app(settings: Settings, session: AsyncSession) -> FastAPI:
    """The app, plus handlers with the bugs that put user values in SQL errors.

    Each one sends a value a user supplied to PostgreSQL in a way that
    fails: as the wrong type, as a duplicate key, as a row that breaks a
    CHECK constraint. Built inside the test, after ``capsys`` has replaced
    stdout, so the app's JSON log handler writes into the capture.
    """
    app = create_app(settings)

    async def same_session() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_db] = same_session

    async def wrong_type(
        value: str, db: Annotated[AsyncSession, Depends(get_db)]
    ) -> None:
        # Looked up as a number by mistake: asyncpg cannot encode the text.
        await db.execute(text("SELECT CAST(:value AS bigint)"), {"value": value})

    async def bad_cast(
        value: str, db: Annotated[AsyncSession, Depends(get_db)]
    ) -> None:
        # Cast by PostgreSQL this time: its own message quotes the text.
        await db.execute(
            text("SELECT CAST(CAST(:value AS text) AS bigint)"), {"value": value}
        )

    async def wrong_uuid(
        value: str, db: Annotated[AsyncSession, Depends(get_db)]
    ) -> None:
        # Looked up as a UUID: asyncpg's encoder quotes the text in its own
        # error, the cause of the DataError.
        await db.execute(text("SELECT CAST(:value AS uuid)"), {"value": value})

    async def out_of_range(
        value: int, db: Annotated[AsyncSession, Depends(get_db)]
    ) -> None:
        # A number the column cannot hold (a path or query int has no bound):
        # asyncpg's message quotes it, then the encoder's own message.
        await db.execute(text("SELECT CAST(:value AS bigint)"), {"value": value})

    async def duplicate(db: Annotated[AsyncSession, Depends(get_db)]) -> None:
        # Registered again without the service's conflict check.
        db.add(User(email=EMAIL, name="Twin", password_hash=HASH))
        await db.flush()

    async def bad_row(db: Annotated[AsyncSession, Depends(get_db)]) -> None:
        # Not lower-cased: the CHECK constraint refuses the whole row.
        db.add(User(email=EMAIL.upper(), name="Upper", password_hash=HASH))
        await db.flush()

    app.add_api_route("/bugs/wrong-type", wrong_type, methods=["POST"])
    app.add_api_route("/bugs/bad-cast", bad_cast, methods=["POST"])
    app.add_api_route("/bugs/wrong-uuid", wrong_uuid, methods=["POST"])
    app.add_api_route("/bugs/out-of-range", out_of_range, methods=["POST"])
    app.add_api_route("/bugs/duplicate", duplicate, methods=["POST"])
    app.add_api_route("/bugs/bad-row", bad_row, methods=["POST"])
    return app


async def _logged_error(
    app: FastAPI, url: str, capsys: pytest.CaptureFixture[str], **params: str
) -> tuple[dict[str, Any], str]:
    """POST ``url``: assert a 500; return its one ERROR line and all the output."""
    capsys.readouterr()
    async with _client(app, raise_app_exceptions=False) as client:
        response = await client.post(url, params=params)
    output = capsys.readouterr().out
    assert_error(response, 500, "internal_server_error")
    [error] = [line for line in json_log_lines(output) if line["level"] == "ERROR"]
    return error, output


@pytest.mark.parametrize("value", [PASSWORD, EMAIL, HASH])
@pytest.mark.parametrize(
    ("bug", "what_is_left"),
    [
        # asyncpg's message names the argument; the value is withheld.
        ("wrong-type", "invalid input for query argument $1: [value withheld]"),
        # PostgreSQL's: only the SQLSTATE (22P02, invalid text representation).
        ("bad-cast", "[message withheld: SQLSTATE 22P02 quotes the input]"),
        # The encoder's error ("invalid UUID '<the value>'") goes as a whole.
        ("wrong-uuid", "[withheld: error encoding the argument]"),
    ],
)
async def test_a_data_error_logs_no_value_the_user_sent(
    settings: Settings,
    session: AsyncSession,
    value: str,
    bug: str,
    what_is_left: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = _buggy_app(settings, session)

    error, output = await _logged_error(app, f"/bugs/{bug}", capsys, value=value)

    assert value not in output
    assert what_is_left in error["exception"]


async def test_a_number_the_column_cannot_hold_is_not_logged(
    settings: Settings, session: AsyncSession, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _buggy_app(settings, session)
    number = str(2**70)  # past bigint: "... $1: <number> (value out of int64 range)"

    error, output = await _logged_error(app, "/bugs/out-of-range", capsys, value=number)

    assert number not in output
    assert "invalid input for query argument $1: [value withheld]" in error["exception"]


@pytest.mark.parametrize(
    ("bug", "constraint"),
    [("duplicate", "uq_users_email"), ("bad-row", "ck_users_email_lowercase")],
)
async def test_a_constraint_violation_logs_the_constraint_but_not_the_row(
    settings: Settings,
    session: AsyncSession,
    bug: str,
    constraint: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session.add(User(email=EMAIL, name="Alice", password_hash=HASH))
    await session.flush()
    app = _buggy_app(settings, session)

    error, output = await _logged_error(app, f"/bugs/{bug}", capsys)

    assert f'constraint "{constraint}"' in error["exception"]
    # PostgreSQL's DETAIL ("Key (email)=(...)", "Failing row contains (...)")
    # is gone, and with it the email and the hash; the log says it was there.
    assert "DETAIL" not in output
    assert "[detail withheld]" in error["exception"]
    assert EMAIL not in output.lower()
    assert HASH not in output


# --- which errors mean "the database is unavailable" ----------------------------------


class _DriverErrorWithoutSqlstate(Exception):
    """A driver error that carries no SQLSTATE, as a DBAPI adapter may raise."""


@pytest.mark.parametrize(
    "error",
    [
        MultipleResultsFound("two users share an email"),
        DBAPIError("SELECT 1", None, _DriverErrorWithoutSqlstate("closed cursor")),
        DBAPIError("INSERT", None, asyncpg.UniqueViolationError("duplicate key")),
    ],
    ids=["not-from-the-driver", "no-sqlstate", "integrity-error"],
)
def test_a_database_error_that_is_not_an_outage_is_a_bug(error: Exception) -> None:
    assert not is_database_unavailable(error)


def test_an_os_error_raised_by_code_without_a_module_name_is_a_bug() -> None:
    # exec'd code (a template engine, a plugin loader) runs in globals that
    # may have no __name__: still not the driver.
    namespace: dict[str, Any] = {}
    exec(  # noqa: S102 - the point of the test: code with no module name
        "def read_receipt():\n    open('/nonexistent/receipt.html')\n", namespace
    )
    with pytest.raises(FileNotFoundError) as raised:
        namespace["read_receipt"]()

    assert not is_database_unavailable(raised.value)
