"""The source's migrations, test fixtures and example implementation, run against a real PostgreSQL."""

import ast
import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.pages import prose
from tests.support.pytest_outcomes import outcomes
from tests.support.source_runs import (
    SOURCE,
    run_command,
    source_example,
    source_text,
)
from throwaway.postgres import NoPostgresError, postgres_server


def test_the_loaders_star_import_has_no_models_module_to_import() -> None:
    loader = source_text("migration-strategy--python")
    assert loader.startswith("from <project>.models import *")
    # The source's layout has one models.py per domain and none at the top:
    # filled in with the reference service's package name, the import fails.
    result = subprocess.run(
        [sys.executable, "-c", "from shop.models import *"],
        cwd=REPO_ROOT / "snippets",
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "ModuleNotFoundError: No module named 'shop.models'" in result.stderr


CONFTEST_PREAMBLE = '''\
"""The source's fixtures, with the imports and names they use but never show."""

import os

import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

app = FastAPI()


async def get_db():
    yield None

'''

SESSION_ENGINE = """

@pytest_asyncio.fixture(scope="session")
async def engine():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    yield engine
    await engine.dispose()
"""

TWO_TESTS = """\
from typing import Annotated

from fastapi import Depends
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from conftest import app, get_db


@app.get("/two")
async def two(db: Annotated[object, Depends(get_db)]) -> int:
    return (await db.execute(text("SELECT 2"))).scalar()


async def test_one(session):
    assert (await session.execute(text("SELECT 1"))).scalar() == 1


async def test_two(session, override_get_db):
    # The source's sync override_get_db: the app's get_db is the test's session.
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        assert (await client.get("/two")).json() == 2
"""


def _pytest_project(path: Path, conftest: str, ini: str = "") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "pytest.ini").write_text(f"[pytest]\nasyncio_mode = auto\n{ini}")
    (path / "conftest.py").write_text(conftest)
    (path / "test_isolation.py").write_text(TWO_TESTS)
    return path


def _pytest(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest with only pytest-asyncio, as in a project set up from the source."""
    return run_command(
        [sys.executable, "-m", "pytest", "-p", "asyncio", "-p", "no:cacheprovider", "-q"],
        project,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        **env,
    )  # fmt: skip


def test_the_sources_fixtures_need_an_engine_fixture_it_never_defines(
    tmp_path: Path,
) -> None:
    fixtures = source_text("transaction-isolation-pattern--python")
    assert "async def connection(engine):" in fixtures
    assert "def engine" not in SOURCE.text
    project = _pytest_project(tmp_path / "project", CONFTEST_PREAMBLE + fixtures)

    result = _pytest(project)

    assert result.returncode == 1, result.stdout
    assert "E       fixture 'engine' not found" in result.stdout
    assert outcomes(result.stdout) == {"error": 2}
    page = prose(DOCS_DIR / "principles" / "testing" / "test-rollback.md")
    assert "fail as written with \"fixture 'engine' not found\"" in page


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A real PostgreSQL, from the same provider as the service's tests."""
    # Under the system temp dir: when the tests run as root, the server runs
    # as postgres, which must be able to reach it.
    workdir = Path(tempfile.gettempdir()) / "handbook-docs-postgres"
    try:
        with postgres_server(workdir) as url:
            yield url
    except NoPostgresError as error:
        pytest.fail(str(error), pytrace=False)


def test_a_session_scoped_engine_fails_on_pytest_asyncios_default_loops(
    tmp_path: Path, database_url: str
) -> None:
    fixtures = source_text("transaction-isolation-pattern--python")
    conftest = CONFTEST_PREAMBLE + fixtures + SESSION_ENGINE

    default = _pytest(
        _pytest_project(tmp_path / "default", conftest), DATABASE_URL=database_url
    )
    one_loop = _pytest(
        _pytest_project(
            tmp_path / "one-loop",
            conftest,
            "asyncio_default_fixture_loop_scope = session\n"
            "asyncio_default_test_loop_scope = session\n",
        ),
        DATABASE_URL=database_url,
    )

    assert default.returncode == 1, default.stdout
    assert "attached to a different loop" in default.stdout
    assert outcomes(default.stdout) == {"failed": 1, "passed": 1}
    assert one_loop.returncode == 0, one_loop.stdout
    assert outcomes(one_loop.stdout) == {"passed": 2}
    page = prose(DOCS_DIR / "principles" / "testing" / "test-rollback.md")
    assert '"got Future ... attached to a different loop"' in page
    assert "(`1 failed, 1 passed`, then `2 passed`)" in page
    # The second test asks for the source's override_get_db, as written.
    assert (
        "What does work as written: `app.dependency_overrides[get_db] = lambda: "
        "session` with FastAPI 0.165, and a sync fixture decorated with "
        "`@pytest_asyncio.fixture` with pytest-asyncio 1.5." in page
    )


def test_the_example_router_uses_a_dependency_it_never_defines() -> None:
    router = source_example("users/router.py")
    router = router.replace("from .service", "from service").replace(
        "from .schemas", "from schemas"
    )
    stubs = {
        "service": ModuleType("service"),
        "schemas": ModuleType("schemas"),
    }
    vars(stubs["service"]).update(UserService=object)
    vars(stubs["schemas"]).update(UserCreate=dict, UserResponse=dict)
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)
    try:
        with pytest.raises(NameError, match="name 'get_user_service' is not defined"):
            exec(compile(router, "users/router.py", "exec"), {})  # noqa: S102 - the source's own code
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name)
            else:
                sys.modules[name] = module


def _calls_in(module: str, function: str) -> tuple[list[str], list[str]]:
    """The calls ``function`` makes, as written, and the statements it runs."""
    tree = ast.parse(module)
    body = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name == function
    )
    calls = [
        ast.unparse(node.func) for node in ast.walk(body) if isinstance(node, ast.Call)
    ]
    statements = [type(statement).__name__ for statement in body.body]
    return calls, statements


def test_the_example_service_creates_a_user_without_any_duplicate_check() -> None:
    calls, statements = _calls_in(source_example("users/service.py"), "create_user")

    # Build, add, commit: no query for an existing email, no condition, no raise.
    assert sorted(calls) == ["User", "data.model_dump", "self.db.add", "self.db.commit"]
    assert statements == ["Assign", "Expr", "Expr", "Return"]
    page = prose(DOCS_DIR / "principles" / "structure" / "service-layer.md")
    assert (
        "its service commits a `User(**data.model_dump())` with no duplicate check"
        in page
    )


def test_the_example_routes_post_slash_redirects_and_answers_200() -> None:
    from fastapi import APIRouter, Depends, FastAPI
    from pydantic import BaseModel

    class UserCreate(BaseModel):
        email: str
        name: str

    class UserResponse(BaseModel):
        id: int
        email: str
        name: str

    class UserService:
        async def create_user(self, data: UserCreate) -> UserResponse:
            return UserResponse(id=1, **data.model_dump())

    def get_user_service() -> UserService:
        return UserService()

    router_code = source_example("users/router.py").split("router = APIRouter()", 1)[1]
    namespace: dict[str, Any] = {
        "APIRouter": APIRouter,
        "Depends": Depends,
        "UserCreate": UserCreate,
        "UserResponse": UserResponse,
        "UserService": UserService,
        "get_user_service": get_user_service,
        "router": APIRouter(),
    }
    exec(compile(router_code, "users/router.py", "exec"), namespace)  # noqa: S102 - the source's own code
    app = FastAPI()
    app.include_router(namespace["router"], prefix="/users")

    async def post(path: str) -> tuple[int, str | None]:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://shop") as client:
            response = await client.post(
                path, json={"email": "ada@example.com", "name": "Ada"}
            )
        return response.status_code, response.headers.get("location")

    assert asyncio.run(post("/users")) == (307, "http://shop/users/")
    assert asyncio.run(post("/users/")) == (200, None)
