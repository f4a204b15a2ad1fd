"""Evidence for DEPLOY-ENV-PARITY: the compose file is valid, pins the versions
the tests run against, waits on health, and configures the app it runs."""

import re
import subprocess
from pathlib import Path

import asyncpg
import docker
import pytest
import yaml
from docker.errors import DockerException
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from testcontainers.community import postgres as testcontainers_postgres

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, tracked_files
from handbook.content.tools import tool_path
from handbook.content.validators import compose_file
from shop.core.config import Settings
from tests.support.app_role import (
    APP_ROLE_SQL,
    assert_rows_but_not_schema,
    libpq_url,
    run_app_role_sql,
    scram_verifier_matches,
)
from tests.support.pages import prose
from tests.support.shop_fixtures import MIGRATIONS_DIR, DatabaseFactory, load_script
from throwaway import postgres as postgres_provider
from throwaway import redis as redis_provider

COMPOSE_PATH = REPO_ROOT / "snippets" / "compose.yaml"
COMPOSE = yaml.safe_load(COMPOSE_PATH.read_text())
SERVICES = COMPOSE["services"]
PAGE = DOCS_DIR / "principles" / "deployment" / "environment-parity.md"


def test_the_compose_file_follows_the_compose_specification(tmp_path: Path) -> None:
    compose_file(COMPOSE_PATH.read_text(), tmp_path)  # raises InvalidBlock if not


# --8<-- [start:versions]
async def test_compose_pins_the_postgresql_the_tests_run_against(
    connection: AsyncConnection,
) -> None:
    server_version = await connection.scalar(text("SHOW server_version_num"))
    tested_major = int(server_version) // 10_000

    assert SERVICES["postgres"]["image"] == f"postgres:{tested_major}-bookworm"


def test_compose_pins_the_redis_the_tests_run_against() -> None:
    major, minor, _ = redis_provider.version().split(".")

    assert SERVICES["redis"]["image"] == f"redis:{major}.{minor}-bookworm"
    # --8<-- [end:versions]


def test_the_page_names_the_pinned_versions() -> None:
    postgres = SERVICES["postgres"]["image"].split(":")[1].split("-")[0]
    redis = SERVICES["redis"]["image"].split(":")[1].split("-")[0]

    assert f"PostgreSQL {postgres} and Redis {redis}" in prose(PAGE)


def test_every_service_waited_on_for_health_has_a_healthcheck() -> None:
    waited_on = {
        name
        for service in SERVICES.values()
        for name, condition in service.get("depends_on", {}).items()
        if condition["condition"] == "service_healthy"
    }

    assert waited_on == {"postgres", "redis"}
    for name in waited_on:
        assert SERVICES[name]["healthcheck"]["test"][0] == "CMD"


def test_migrations_run_once_before_the_app_and_not_inside_it() -> None:
    migrate, app = SERVICES["migrate"], SERVICES["app"]

    assert migrate["command"] == ["python", "scripts/apply_migrations.py"]
    assert (REPO_ROOT / "snippets" / "scripts" / "apply_migrations.py").exists()
    assert migrate["restart"] == "no"
    assert app["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert "command" not in app  # the image's CMD: uvicorn, nothing else


def test_the_app_environment_is_valid_settings() -> None:
    environment = SERVICES["app"]["environment"]

    assert set(environment) <= {name.upper() for name in Settings.model_fields}
    settings = Settings(
        _env_file=None,
        **{name.lower(): value for name, value in environment.items()},
    )
    assert settings.async_database_url.host == "postgres"
    assert settings.redis_url is not None
    assert str(settings.redis_url.get_secret_value()) == "redis://redis:6379/0"


def test_migrations_run_as_the_tables_owner_and_the_app_as_its_own_role() -> None:
    postgres = SERVICES["postgres"]["environment"]
    migrate = SERVICES["migrate"]["environment"]
    app = SERVICES["app"]["environment"]
    owner = make_url(migrate["DATABASE_URL"])
    app_role = make_url(app["DATABASE_URL"])

    # migrate is the app's configuration, as the owner: valid Settings too.
    Settings(_env_file=None, **{name.lower(): value for name, value in migrate.items()})
    assert {
        name: value for name, value in migrate.items() if name != "DATABASE_URL"
    } == {name: value for name, value in app.items() if name != "DATABASE_URL"}
    assert (owner.username, owner.password) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
    )
    assert app_role.username != owner.username
    assert app_role.password == postgres["SHOP_APP_PASSWORD"]
    assert owner.database == app_role.database == postgres["POSTGRES_DB"]
    # The postgres image runs the role file on its first start.
    source, target, mode = next(
        volume.split(":")
        for volume in SERVICES["postgres"]["volumes"]
        if volume.endswith(".sql:ro")
    )
    assert (COMPOSE_PATH.parent / source).resolve() == APP_ROLE_SQL
    assert (target, mode) == (f"/docker-entrypoint-initdb.d/{APP_ROLE_SQL.name}", "ro")


async def test_the_app_in_compose_may_change_rows_but_not_the_schema(
    create_database: DatabaseFactory, settings: Settings
) -> None:
    postgres = SERVICES["postgres"]["environment"]
    database = await create_database()
    # As the image's first start does: the role file, as the superuser, with
    # the container's environment; then the migrate service, as the owner.
    # The test server's superuser is postgres, as compose's is.
    assert make_url(database).username == postgres["POSTGRES_USER"]
    run_app_role_sql(database, postgres)
    await load_script("apply_migrations").apply_migrations(database, MIGRATIONS_DIR)
    app_role = make_url(SERVICES["app"]["environment"]["DATABASE_URL"])

    # The test server trusts local connections; compose's checks the password
    # against the verifier the role file stored.
    admin = await asyncpg.connect(libpq_url(database))
    try:
        verifier = await admin.fetchval(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1", app_role.username
        )
    finally:
        await admin.close()
    assert app_role.password
    assert verifier, f"{APP_ROLE_SQL.name} set no password for {app_role.username}"
    assert scram_verifier_matches(verifier, app_role.password)
    assert not scram_verifier_matches(verifier, postgres["POSTGRES_PASSWORD"])
    as_app = (
        make_url(database)
        .set(username=app_role.username, password=app_role.password)
        .render_as_string(hide_password=False)
    )
    await assert_rows_but_not_schema(settings, as_app)
    assert (
        "The app connects as its own role, `shop`, which may read and write rows"
        " but not change the schema"
    ) in prose(PAGE)


def test_the_grace_period_outlasts_uvicorns_shutdown_limit() -> None:
    dockerfile = (REPO_ROOT / "snippets" / "Dockerfile").read_text()
    flag = re.search(r'"--timeout-graceful-shutdown", "(\d+)"', dockerfile)
    assert flag, "the Dockerfile's CMD sets no --timeout-graceful-shutdown"
    limit = int(flag[1])
    grace = int(SERVICES["app"]["stop_grace_period"].removesuffix("s"))

    assert limit < grace


# --8<-- [start:postgres-rejects]
@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "('" + "MUG-BLUE-" * 12 + "', 1)",
            "value too long for type character varying(64)",
        ),
        ("('MUG-BLUE', 'two')", 'invalid input syntax for type integer: "two"'),
    ],
    ids=["too-long-sku", "text-quantity"],
)
async def test_postgresql_rejects_what_sqlite_stores(
    connection: AsyncConnection, row: str, error: str
) -> None:
    await connection.execute(
        text("CREATE TEMPORARY TABLE order_lines (sku varchar(64), quantity integer)")
    )

    with pytest.raises(DBAPIError, match=re.escape(error)):
        async with connection.begin_nested():
            await connection.execute(text(f"INSERT INTO order_lines VALUES {row}"))  # noqa: S608 - fixed test rows
    # --8<-- [end:postgres-rejects]
    assert "PostgreSQL rejects both rows" in prose(PAGE)


def test_the_test_provider_takes_its_image_and_major_from_compose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = SERVICES["postgres"]["image"]
    major = int(image.split(":")[1].split("-")[0])
    asked_for: list[str] = []

    class AnsweringDaemon:
        """docker's client, connected to a daemon that answers."""

        def close(self) -> None:
            pass

    class UnableToStart:
        """testcontainers' PostgresContainer on a daemon that cannot start it."""

        def __init__(self, image: str, **_options: object) -> None:
            asked_for.append(image)

        def start(self) -> None:
            raise DockerException("the daemon cannot start it")

    # What the provider does itself, not only what pinned_image() says: under
    # Docker it asks testcontainers for an image; without, it looks for the
    # local binaries of a major version.
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(docker, "from_env", AnsweringDaemon)
    monkeypatch.setattr(testcontainers_postgres, "PostgresContainer", UnableToStart)
    with (
        pytest.raises(DockerException),
        postgres_provider.postgres_server(tmp_path),
    ):
        pass  # never reached: the container does not start
    assert asked_for == [image]

    monkeypatch.undo()
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-docker.sock'}")
    monkeypatch.setattr(postgres_provider, "POSTGRES_LIB_DIR", tmp_path)  # none
    with (
        pytest.raises(postgres_provider.NoPostgresError) as error,
        postgres_provider.postgres_server(tmp_path),
    ):
        pass  # never reached: there is no server to yield
    assert f"{tmp_path / str(major) / 'bin'}/pg_ctl does not exist" in str(error.value)

    assert postgres_provider.pinned_image() == image
    assert postgres_provider.pinned_major() == major
    page = prose(PAGE)
    assert "under Docker, testcontainers starts this very image" in page
    assert "only the local server binaries of its major version are used" in page


def _db_start(taskfile_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool_path("task"), *flags, "db-start"],
        cwd=taskfile_dir, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_db_start_uses_the_binaries_of_the_pinned_major(tmp_path: Path) -> None:
    major = postgres_provider.pinned_major()
    here = _db_start(REPO_ROOT, "--dry")
    assert here.returncode == 0, here.stderr
    assert f'"/usr/lib/postgresql/{major}/bin/initdb"' in here.stderr

    # Move the pin to a major this machine lacks: db-start follows it, and
    # refuses, naming the package, rather than start another version.
    (tmp_path / "snippets").mkdir()
    (tmp_path / "Taskfile.yml").write_text((REPO_ROOT / "Taskfile.yml").read_text())
    (tmp_path / "snippets" / "compose.yaml").write_text(
        COMPOSE_PATH.read_text().replace(f"postgres:{major}-", "postgres:99-")
    )
    moved = _db_start(tmp_path)  # for real: it stops at its first command
    assert moved.returncode != 0
    assert (
        "PostgreSQL 99 server binaries not found in /usr/lib/postgresql/99/bin "
        "(snippets/compose.yaml pins 99): apt-get install postgresql-99"
    ) in moved.stderr


def test_atlas_dev_database_names_the_pinned_major() -> None:
    atlas = (REPO_ROOT / "snippets" / "atlas.hcl").read_text()
    majors = set(re.findall(r"docker://postgres/(\d+)/", atlas))

    assert majors == {str(postgres_provider.pinned_major())}


def test_only_the_files_the_page_names_repeat_the_pinned_major() -> None:
    major = postgres_provider.pinned_major()
    # An image, a Docker URL, a Debian package or its binaries' directory.
    naming = re.compile(rf"postgres(ql)?(-client)?[-:/@]{major}\b|postgresql/{major}/")
    repeating = {
        path
        for path in tracked_files()
        if (REPO_ROOT / path).is_file()
        and naming.search((REPO_ROOT / path).read_text(errors="replace"))
    }
    # The ledgers quote the quick start's sentence, and fail when it changes.
    ledgers = {"tests/principles/absolutes.yml", "tests/principles/counterfactuals.yml"}

    assert repeating - ledgers == {
        "snippets/compose.yaml",  # the pin
        "snippets/atlas.hcl",
        "docs/principles/tooling/quick-start.md",
        "snippets/README.md",
    }
    assert (
        "The PostgreSQL version is pinned here. Only three other files repeat its major"
        in prose(PAGE)
    )
