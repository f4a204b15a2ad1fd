"""Evidence for TEST-REAL-DB: where the test PostgreSQL comes from, and what a skip hides."""

import ast
import asyncio
import gc
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker.errors import DockerException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from testcontainers.community.postgres import PostgresContainer

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.snippet_sections import sections_in
from tests.support.pages import prose
from tests.support.pytest_outcomes import outcomes
from tests.support.scratch_sessions import run_with_shop_fixtures
from throwaway import postgres as postgres_provider

PAGE = DOCS_DIR / "principles" / "testing" / "real-postgresql.md"
SKIPPING_CONFTEST = Path(__file__).parent / "examples" / "skip_without_database.py"


def test_without_a_docker_daemon_testcontainers_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-docker.sock'}")

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ResourceWarning)
        with pytest.raises(DockerException):
            PostgresContainer(
                postgres_provider.pinned_image(), driver="asyncpg"
            ).start()
        # docker's client leaves the socket it could not connect open (the
        # provider does the same): collected here, under the filter, rather
        # than in whichever test runs when the collector next comes by.
        gc.collect()
    assert "fails at once with `DockerException`" in prose(PAGE)


class _RefusingDaemon(http.server.BaseHTTPRequestHandler):
    """A Docker daemon that answers, and refuses to pull or start anything."""

    def do_GET(self) -> None:
        if self.path.endswith("/version"):
            self._answer(200, {"ApiVersion": "1.44", "Version": "27.0.0"})
        elif self.path.endswith("/_ping"):
            self._answer(200, "OK")
        else:
            self._refuse()

    def do_POST(self) -> None:
        self._refuse()

    def _refuse(self) -> None:
        self._answer(500, {"message": "no registry is reachable from this daemon"})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def address_string(self) -> str:
        return "docker.sock"  # a Unix socket's peer has no address

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing_docker_daemon(tmp_path: Path) -> Iterator[str]:
    """``DOCKER_HOST`` of a daemon that answers but cannot start a container."""
    socket_path = tmp_path / "docker.sock"
    server = socketserver.ThreadingUnixStreamServer(str(socket_path), _RefusingDaemon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"unix://{socket_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_docker_daemon_that_cannot_start_the_container_is_an_error_not_a_fallback(
    monkeypatch: pytest.MonkeyPatch, refusing_docker_daemon: str
) -> None:
    # Local binaries exist on this machine: a fallback would start a server.
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOCKER_HOST", refusing_docker_daemon)
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")

    # Where the postgres user can reach, as a fallback's cluster would need.
    workdir = Path(tempfile.gettempdir()) / f"handbook-refusing-docker-{os.getpid()}"
    try:
        with (
            pytest.raises(DockerException, match="no registry is reachable"),
            postgres_provider.postgres_server(workdir),
        ):
            pass  # never reached: the daemon's refusal is the error
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert "cannot pull or start the image is an error" in prose(PAGE)


def test_with_no_way_to_a_server_the_session_fails_with_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-docker.sock'}")
    monkeypatch.setattr(postgres_provider, "POSTGRES_LIB_DIR", tmp_path / "lib")

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ResourceWarning)
        with (
            pytest.raises(postgres_provider.NoPostgresError) as error,
            postgres_provider.postgres_server(tmp_path),
        ):
            pass  # never reached: there is no server to yield

    message = str(error.value)
    assert "TEST_DATABASE_URL=postgresql://" in message
    assert f"apt-get install postgresql-{postgres_provider.pinned_major()}" in message


def test_test_database_url_wins_and_is_given_the_asyncpg_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://ci@db.ci:5432/postgres")

    try:
        with postgres_provider.postgres_server(tmp_path) as url:
            assert url == "postgresql+asyncpg://ci@db.ci:5432/postgres"
    except postgres_provider.NoPostgresError:
        pytest.fail("TEST_DATABASE_URL is set, yet the provider looked elsewhere")


def test_a_skipping_fixture_turns_a_missing_database_into_a_green_run(
    tmp_path: Path,
) -> None:
    shutil.copy(SKIPPING_CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_orders.py").write_text(
        "def test_an_order_is_saved(database_url):\n    assert database_url\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert result.returncode == 0
    assert outcomes(result.stdout) == {"skipped": 1}
    assert "exit code 0 and `1 skipped`" in prose(PAGE)


def _fake_binaries(lib: Path, major: int) -> None:
    bin_dir = lib / str(major) / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "pg_ctl").write_text("#!/bin/sh\n")


def test_local_binaries_of_another_major_are_refused_with_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned = postgres_provider.pinned_major()
    for other in (pinned - 1, pinned + 1, pinned + 2):
        _fake_binaries(tmp_path / "lib", other)
    monkeypatch.setattr(postgres_provider, "POSTGRES_LIB_DIR", tmp_path / "lib")

    with pytest.raises(postgres_provider.NoPostgresError) as error:
        postgres_provider.local_bin_dir(pinned)

    message = str(error.value)
    assert f"No PostgreSQL {pinned} server for the tests" in message
    assert f"apt-get install postgresql-{pinned}" in message
    assert (
        f"Found only PostgreSQL {pinned - 1}, {pinned + 1}, {pinned + 2}, which is not used"
        in message
    )


def test_the_local_binaries_used_are_the_pinned_majors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned = postgres_provider.pinned_major()
    for major in (pinned, pinned + 1):
        _fake_binaries(tmp_path / "lib", major)
    monkeypatch.setattr(postgres_provider, "POSTGRES_LIB_DIR", tmp_path / "lib")

    assert (
        postgres_provider.local_bin_dir(pinned)
        == tmp_path / "lib" / str(pinned) / "bin"
    )


def test_the_pin_is_the_compose_files_postgres_image(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  postgres:\n    image: postgres:17-alpine\n")
    assert postgres_provider.pinned_image(compose) == "postgres:17-alpine"
    assert postgres_provider.pinned_major(compose) == 17

    compose.write_text("services:\n  postgres:\n    image: postgres:latest\n")
    with pytest.raises(
        postgres_provider.NoPostgresError, match="pins no major version"
    ):
        postgres_provider.pinned_image(compose)


def test_the_page_says_another_major_is_refused() -> None:
    assert (
        "binaries of another major are refused, with the package to install"
        in prose(PAGE)
    )


def test_without_any_postgresql_the_test_session_fails_not_skips(
    tmp_path: Path,
) -> None:
    """The suite's own ``server_url`` fixture, in a fresh pytest with no server.

    The provider is replaced by one that finds nothing (its own search is
    tested above), so this checks what the fixture does with that answer.
    """
    result = run_with_shop_fixtures(
        tmp_path,
        None,
        {
            "test_orders.py": (
                "def test_an_order_is_saved(server_url):\n    assert server_url\n\n\n"
                "def test_an_order_is_listed(server_url):\n    assert server_url\n"
            )
        },
        conftest=(
            "from contextlib import contextmanager\n\n"
            "from throwaway import postgres as postgres_provider\n\n\n"
            "@contextmanager\n"
            "def nowhere(workdir):\n"
            '    raise postgres_provider.NoPostgresError("No server: here is how to get one")\n'
            "    yield\n\n\n"
            "postgres_provider.postgres_server = nowhere\n"
        ),
    )

    assert result.returncode == 1, result.stdout
    assert outcomes(result.stdout) == {"error": 2}
    assert "No server: here is how to get one" in result.stdout
    # The message alone, not a traceback through the fixtures, per test.
    assert "Traceback" not in result.stdout
    assert (
        "it fails every test that needs the database with the instructions alone"
        in prose(PAGE)
    )


def test_the_page_quotes_the_server_url_fixture_and_nothing_else() -> None:
    fixtures = REPO_ROOT / "tests" / "support" / "shop_fixtures.py"
    (section,) = [s for s in sections_in(fixtures) if s.name == "server-url"]
    lines = fixtures.read_text().splitlines()[section.start_line : section.end_line - 1]

    quoted = ast.parse("\n".join(lines))

    assert [type(node) for node in quoted.body] == [ast.FunctionDef]
    assert [node.name for node in quoted.body if isinstance(node, ast.FunctionDef)] == [
        "server_url"
    ]
    assert '--8<-- "tests/support/shop_fixtures.py:server-url"' in PAGE.read_text()


DATABASE_IT_USED = """\
import os
from pathlib import Path

from sqlalchemy.engine import make_url


def test_an_order_is_saved(settings):
    url = settings.database_url.get_secret_value()
    Path(os.environ["DATABASE_NAME_FILE"]).write_text(make_url(str(url)).database)
"""


async def test_the_databases_a_session_created_are_dropped_when_it_ends(
    tmp_path: Path, server_url: str
) -> None:
    """The suite's own fixtures, in a fresh pytest session on this server."""
    name_file = tmp_path / "database-name"

    result = await asyncio.to_thread(
        run_with_shop_fixtures,
        tmp_path,
        server_url,
        {"test_orders.py": DATABASE_IT_USED},
        {"DATABASE_NAME_FILE": str(name_file)},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    used = name_file.read_text()
    assert used.startswith("shop_test_")
    admin = create_async_engine(server_url)
    try:
        async with admin.connect() as conn:
            left = await conn.scalar(
                text("SELECT count(*) FROM pg_database WHERE datname = :name"),
                {"name": used},
            )
    finally:
        await admin.dispose()
    assert left == 0
    assert (
        "creates its own databases on that server, migrated with the project's "
        "migration files, and drops them at the end" in prose(PAGE)
    )
