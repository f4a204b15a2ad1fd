"""Specification: what the service prints in production is JSON, and holds no secrets.

The service runs the way ``task app`` runs it: uvicorn in a child process
with ``--log-config log_config.json``, against a real database. One test
drives a whole session through it (sign-up, sign-in, an order, a 404, a 422,
a 401, and a SIGTERM shutdown) plus a 500 from a second server whose
database was never migrated. Every line either process wrote, on stdout or
stderr, must be one JSON object, uvicorn's own start-up and shutdown lines
included, and no password, password hash, token, sign-in email or SQL
parameter may appear in any of them.
"""

import json
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from shop.catalog.models import Product
from shop.core.config import Settings
from tests.support.server_process import UVICORN, Server, serving
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    SNIPPETS_DIR,
    DatabaseFactory,
    load_script,
    on_database,
)

# As in Taskfile.yml's `app` task: with the reloader, whose lines are
# printed before the app (and its logging set-up) is ever imported, so only
# the log config makes them JSON; uvicorn's plain-text access lines are off
# (the service logs one JSON line per request itself).
README = SNIPPETS_DIR / "README.md"
README_CLAIM = (
    "one JSON object per log line; each line logged while a request is "
    "handled carries that request's `request_id`"
)

PRODUCTION_UVICORN = [
    *UVICORN,
    "--reload",
    "--log-config",
    str(SNIPPETS_DIR / "log_config.json"),
    "--no-access-log",
]


@pytest.fixture(scope="module")
async def migrated_url(create_database: DatabaseFactory) -> str:
    """A migrated database of this module's own, selling one mug."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Product), [{"sku": "MUG-1", "name": "Mug", "unit_price_cents": 1250}]
        )
    await engine.dispose()
    return url


@pytest.fixture
def server(settings: Settings, migrated_url: str, tmp_path: Path) -> Iterator[Server]:
    """The service as ``task app`` runs it, on the migrated database."""
    with serving(
        on_database(settings, migrated_url),
        tmp_path,
        PRODUCTION_UVICORN,
    ) as server:
        yield server


@pytest.fixture
async def unmigrated_server(
    settings: Settings, create_database: DatabaseFactory, tmp_path: Path
) -> AsyncIterator[Server]:
    """The same service on a database that has no tables: queries fail.

    Never ready (its schema is behind the code's): served once it is live.
    """
    url = await create_database()
    with serving(
        on_database(settings, url),
        tmp_path,
        PRODUCTION_UVICORN,
        probe="/health/live",
    ) as server:
        yield server


def _sigterm(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    # The reloader stops its server process, then exits normally.
    assert server.wait_for_exit() == 0, "\n".join(server.lines)


def _json_lines(lines: list[str]) -> list[dict[str, Any]]:
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


async def test_production_output_is_json_lines_without_secrets(
    server: Server, unmigrated_server: Server
) -> None:
    email = f"logs-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as api:
        signed_up = await api.post(
            "/users", json={"email": email, "name": "Log Reader", "password": PASSWORD}
        )
        signed_in = await api.post(
            "/auth/token", data={"username": email, "password": PASSWORD}
        )
        token = signed_in.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        ordered = await api.post(
            "/orders", headers=auth, json={"items": [{"sku": "MUG-1", "quantity": 2}]}
        )
        missing = await api.get("/orders/999999", headers=auth)
        too_short = {"email": email, "password": "short"}  # pragma: allowlist secret
        invalid = await api.post("/users", json=too_short)
        refused = await api.get("/users/me", headers={"Authorization": "Bearer x.y.z"})
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{unmigrated_server.port}"
    ) as broken:
        failed = await broken.post(
            "/auth/token", data={"username": email, "password": PASSWORD}
        )
    _sigterm(server)
    _sigterm(unmigrated_server)

    statuses = [
        r.status_code
        for r in (signed_up, signed_in, ordered, missing, invalid, refused, failed)
    ]
    assert statuses == [201, 200, 201, 404, 422, 401, 500]
    lines = server.lines + unmigrated_server.lines
    entries = _json_lines(lines)
    messages = [entry["message"] for entry in entries]
    # uvicorn's own lines went through the JSON formatter too.
    for expected in (
        "Started reloader process",
        "Started server process",
        "Application startup complete.",
        "Shutting down",
        "Finished server process",
        "Stopping reloader process",
    ):
        assert any(m.startswith(expected) for m in messages), messages
    # The 500 was logged, once, with its traceback inside the JSON line.
    errors = [e for e in entries if e["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert "does not exist" in errors[0]["exception"]
    output = "\n".join(lines)
    for secret in (PASSWORD, "$argon2", token, email, email.replace("@", "%40")):
        assert secret not in output
    # No terminal colours: uvicorn's color_message copy is dropped, and
    # neither a raw nor a JSON-escaped ESC is anywhere in the stream.
    assert not any("\x1b" in line or "\\u001b" in line for line in lines)
    assert not any("color_message" in entry for entry in entries)


def test_lines_logged_while_a_request_is_handled_carry_its_id_and_no_others(
    server: Server,
) -> None:
    response = httpx.get(f"http://127.0.0.1:{server.port}/health/ready")
    _sigterm(server)

    entries = _json_lines(server.lines)
    # The readiness polls that waited for start-up, then this request.
    access = [e for e in entries if e["logger"] == "shop.access"]
    assert all(len(e["request_id"]) == 32 for e in access)
    assert access[-1]["request_id"] == response.headers["x-request-id"]
    # Start-up and shutdown happen outside any request: no request_id.
    unrelated = [e for e in entries if e["logger"].startswith("uvicorn")]
    assert unrelated
    assert not any("request_id" in e for e in unrelated)
    assert README_CLAIM in " ".join(README.read_text().split())
