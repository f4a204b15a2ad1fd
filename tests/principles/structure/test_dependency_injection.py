"""Evidence for STRUCT-DEPENDS: one session per request, however many dependencies ask."""

import asyncio
import inspect
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import pytest
from fastapi import Depends, FastAPI, Header, Security, params
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.database import get_db
from shop.users.router import update_me
from tests.checker.checker_support import (
    check,
    pyproject_selecting,
    scratch_project,
)
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "structure" / "dependency-injection.md"


async def test_get_db_runs_once_in_a_request_that_needs_it_twice(
    app: FastAPI, client: AsyncClient, session: AsyncSession, alice: dict[str, Any]
) -> None:
    sessions_opened = 0

    async def counting_get_db() -> AsyncIterator[AsyncSession]:
        nonlocal sessions_opened
        sessions_opened += 1
        yield session

    app.dependency_overrides[get_db] = counting_get_db
    response = await client.patch(
        "/users/me", json={"name": "Alice B."}, headers=alice["headers"]
    )

    assert response.status_code == 200, response.text
    assert sessions_opened == 1
    # The handler needs the users service itself and through CurrentUser.
    assert {"current_user", "service"} <= set(update_me.__annotations__)
    assert "each dependency runs **once per request**" in prose(PAGE)


async def _open_session() -> AsyncIterator[str]:
    yield "session"


@pytest.mark.parametrize(
    ("second_way", "runs"),
    [
        (Depends(_open_session), 1),
        (Depends(_open_session, scope="function"), 2),
        (Security(_open_session, scopes=["orders:read"]), 2),
    ],
    ids=["the-same-way", "another-scope", "other-security-scopes"],
)
async def test_a_dependency_asked_for_another_way_runs_again_in_the_request(
    second_way: params.Depends, runs: int
) -> None:
    opened: list[str] = []

    async def counting() -> AsyncIterator[str]:
        opened.append("session")
        yield "session"

    async def users(db: Annotated[str, Depends(_open_session)]) -> str:
        return db

    async def orders(db: Annotated[str, second_way]) -> str:
        return db

    app = FastAPI()
    app.dependency_overrides[_open_session] = counting

    @app.get("/checkout")
    async def checkout(
        _users: Annotated[str, Depends(users)], _orders: Annotated[str, Depends(orders)]
    ) -> None: ...

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        response = await client.get("/checkout")

    assert response.status_code == 200, response.text
    assert len(opened) == runs
    assert (
        "however many others ask for it the same way (with the same `scope=` "
        "and the same security scopes)" in prose(PAGE)
    )


# A dependency function and a route, each with the marker as a default value.
DEFAULT_VALUE_FORM = """\
from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.database import get_db
from shop.users.models import User

router = APIRouter()


async def get_users_session(db: AsyncSession = Depends(get_db)) -> AsyncSession:
    return db


@router.get("/users/count")
async def count_users(db: AsyncSession = Depends(get_db)) -> int:
    return await db.scalar(select(func.count()).select_from(User)) or 0
"""
ANNOTATED_FORM = DEFAULT_VALUE_FORM.replace(
    "db: AsyncSession = Depends(get_db)", "db: Annotated[AsyncSession, Depends(get_db)]"
).replace("from fastapi", "from typing import Annotated\n\nfrom fastapi", 1)


async def test_annotated_keeps_the_type_and_carries_the_marker_fastapi_reads() -> None:
    namespace: dict[str, Any] = {}
    exec(ANNOTATED_FORM, namespace)  # noqa: S102 - the page's form, as written
    get_users_session = namespace["get_users_session"]

    assert get_type_hints(get_users_session)["db"] is AsyncSession
    [marker] = get_type_hints(get_users_session, include_extras=True)["db"].__metadata__
    assert isinstance(marker, params.Depends)
    assert marker.dependency is get_db
    # Called directly, it needs its session, as any function would.
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        await get_users_session()
    assert "is an `AsyncSession`, and FastAPI reads the `Depends(get_db)`" in prose(
        PAGE
    )


async def test_the_default_value_form_hands_a_direct_call_the_marker() -> None:
    namespace: dict[str, Any] = {}
    exec(DEFAULT_VALUE_FORM, namespace)  # noqa: S102 - the form the page warns of

    assert isinstance(await namespace["get_users_session"](), params.Depends)
    assert "gets the marker instead of a session" in prose(PAGE)


RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated"]


def test_ruff_fast002_reports_the_default_value_form_in_routes_only(
    tmp_path: Path,
) -> None:
    def fast002(source: str) -> list[str]:
        module = tmp_path / "dependencies.py"
        module.write_text(source)
        result = subprocess.run(
            [*RUFF, "--select", "FAST002", "--output-format", "concise", str(module)],
            capture_output=True,
            text=True,
            check=False,
        )
        return [line for line in result.stdout.splitlines() if "FAST002" in line]

    [finding] = fast002(DEFAULT_VALUE_FORM)
    route_line = DEFAULT_VALUE_FORM.splitlines().index(
        "async def count_users(db: AsyncSession = Depends(get_db)) -> int:"
    )
    assert (
        f"dependencies.py:{route_line + 1}:" in finding
    )  # the route, not the function
    assert fast002(ANNOTATED_FORM) == []
    assert "FAST002 reports that form in route handlers (not in the dependency" in (
        prose(PAGE)
    )


def test_the_handbooks_checker_reports_the_form_in_the_dependency_function(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pyproject = pyproject_selecting("shop", "STRUCT-DEPENDS")
    project = scratch_project(
        tmp_path / "shop",
        {"pyproject.toml": pyproject, "app/users.py": DEFAULT_VALUE_FORM},
    )

    run = check(project, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)

    lines = DEFAULT_VALUE_FORM.splitlines()
    function = lines.index(
        "async def get_users_session(db: AsyncSession = Depends(get_db)) -> AsyncSession:"
    )
    route = lines.index(
        "async def count_users(db: AsyncSession = Depends(get_db)) -> int:"
    )
    found = {(f["code"], f["line"]) for f in run.report["findings"]}
    assert found == {("dependency-as-default", function + 1), ("FAST002", route + 1)}
    assert "the handbook's checker reports it in the dependency functions too" in prose(
        PAGE
    )


async def test_a_yield_dependency_finishes_after_the_response_is_sent() -> None:
    events: list[str] = []

    async def open_session() -> AsyncIterator[str]:
        events.append("opened")
        yield "session-1"
        events.append("closed")

    async def get_users(db: Annotated[str, Depends(open_session)]) -> str:
        return db

    app = FastAPI()

    @app.get("/checkout")
    async def checkout(
        users: Annotated[str, Depends(get_users)],
        db: Annotated[str, Depends(open_session)],
    ) -> list[str]:
        events.append("handled")
        return [users, db]

    async def server(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("sent")

        await app(scope, receive, sending)

    transport = ASGITransport(app=server)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        response = await client.get("/checkout")

    assert response.json() == ["session-1", "session-1"]
    assert events == ["opened", "handled", "sent", "closed"]
    # What runs after the service's get_db yields is what closes the session.
    assert "as session:\n        yield session\n" in inspect.getsource(get_db)
    assert "runs the rest, which closes the session, once the response is sent" in (
        prose(PAGE)
    )


async def test_header_reads_the_parameter_from_the_request_header() -> None:
    transport = ASGITransport(app=global_state_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        ada = await client.get("/orders", headers={"X-User": "ada"})
        nobody = await client.get("/orders")

    assert ada.json() == {"orders_of": "ada"}
    assert nobody.status_code == 422
    assert nobody.json()["detail"][0]["loc"] == ["header", "x-user"]
    assert "which Header() tells FastAPI to read from the X-User header" in (
        inspect.getsource(list_orders)
    )


class ThreadRecordingService:
    """A service FastAPI builds itself, from the class given to Depends()."""

    def __init__(self) -> None:
        self.built_on = threading.current_thread().name


async def get_thread_recording_service() -> ThreadRecordingService:
    return ThreadRecordingService()


async def test_a_class_in_depends_is_built_in_the_threadpool_a_provider_is_not() -> (
    None
):
    app = FastAPI()

    @app.get("/built-on")
    async def built_on(
        from_class: Annotated[ThreadRecordingService, Depends()],
        from_provider: Annotated[
            ThreadRecordingService, Depends(get_thread_recording_service)
        ],
    ) -> dict[str, str]:
        return {"class": from_class.built_on, "provider": from_provider.built_on}

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        threads = (await client.get("/built-on")).json()

    assert threads == {
        "class": "AnyIO worker thread",
        "provider": threading.current_thread().name,
    }
    assert "calling its\nplain `__init__` in the threadpool" in PAGE.read_text(
        encoding="utf-8"
    )


def test_the_pages_search_finds_global_state_and_none_in_the_service(
    tmp_path: Path,
) -> None:
    command = next(
        line for line in PAGE.read_text().splitlines() if "**Search:**" in line
    )
    pattern = command.split('grep -rnE "', 1)[1].split('" snippets/shop', 1)[0]
    (tmp_path / "router.py").write_text(
        "current_user = None\n\n\nasync def list_orders(user):\n"
        "    global current_user\n    current_user = user\n"
    )
    (tmp_path / "database.py").write_text(
        "session = AsyncSession(engine)\nsettings = Settings()\n"
    )
    # The same globals as they are often written: annotated, or through the
    # cached getter that the request's dependencies should call instead.
    (tmp_path / "db.py").write_text(
        "engine: AsyncEngine = create_async_engine(DATABASE_URL)\n"
        "session: AsyncSession = AsyncSession(engine)\n"
        "settings = get_settings()\n"
        "sync_engine = create_engine(DATABASE_URL)\n"
    )
    # A session opened from a module-level factory, whatever it is called.
    (tmp_path / "sessions.py").write_text(
        "db = SessionLocal()\nsession = async_session()\n"
    )

    grep_path = shutil.which("grep")
    assert grep_path, "grep is not on PATH"

    def grep(directory: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [grep_path, "-rnE", pattern, str(directory)],
            capture_output=True,
            text=True,
            check=False,
        )

    assert grep(REPO_ROOT / "snippets" / "shop").returncode == 1  # no line matched
    assert len(grep(tmp_path).stdout.splitlines()) == 3 + 4 + 2
    assert "`db = SessionLocal()`, `session = async_session()` and" in prose(PAGE)


# --8<-- [start:global-state]
# --8<-- [start:lead-global-state]
current_user: str | None = None  # module level: one value for every request
global_state_app = FastAPI()


@global_state_app.get("/orders")
async def list_orders(x_user: Annotated[str, Header()]) -> dict[str, str | None]:
    # x_user: a str, which Header() tells FastAPI to read from the X-User header.
    global current_user
    current_user = x_user
    await asyncio.sleep(0.1)  # the database query; other requests run meanwhile
    return {"orders_of": current_user}
    # --8<-- [end:lead-global-state]


async def test_two_requests_at_once_and_alice_gets_bobs_orders() -> None:
    transport = ASGITransport(app=global_state_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        alice, bob = await asyncio.gather(
            client.get("/orders", headers={"X-User": "alice"}),
            client.get("/orders", headers={"X-User": "bob"}),
        )

    assert alice.json() == {"orders_of": "bob"}
    assert bob.json() == {"orders_of": "bob"}
    # --8<-- [end:global-state]


# A setting read from a module-level variable, beside the same setting read
# through a dependency, in one app.
DATABASE_URL = "postgresql+asyncpg://shop@db.internal/shop"


def get_database_url() -> str:
    return DATABASE_URL


settings_app = FastAPI()


@settings_app.get("/through-depends")
async def through_depends(
    database_url: Annotated[str, Depends(get_database_url)],
) -> dict[str, str]:
    return {"database": database_url}


@settings_app.get("/through-the-global")
async def through_the_global() -> dict[str, str]:
    return {"database": DATABASE_URL}


async def test_dependency_overrides_replace_a_dependency_but_not_a_global() -> None:
    test_database = "postgresql+asyncpg://shop@localhost/shop_test"
    settings_app.dependency_overrides[get_database_url] = lambda: test_database
    transport = ASGITransport(app=settings_app)
    try:
        async with AsyncClient(transport=transport, base_url="http://shop") as client:
            overridden = await client.get("/through-depends")
            global_ = await client.get("/through-the-global")
    finally:
        settings_app.dependency_overrides.clear()

    assert overridden.json() == {"database": test_database}
    assert global_.json() == {"database": DATABASE_URL}
    assert "does not reach them" in prose(PAGE)
