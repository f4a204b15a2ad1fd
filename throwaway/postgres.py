"""Where the test PostgreSQL server comes from.

In order of preference:

1. ``TEST_DATABASE_URL``: a server you run. The role must be allowed to
   ``CREATE DATABASE``; the tests create and drop their own databases on it.
2. A testcontainers PostgreSQL, when a Docker daemon answers.
3. A throwaway cluster from the local PostgreSQL binaries (``initdb``,
   ``pg_ctl``), run as the ``postgres`` user when the tests run as root,
   because PostgreSQL refuses to run as root.

The version is pinned once, by the ``postgres`` image of
``snippets/compose.yaml``: the container is that image, and the local
binaries must be of its major version. Binaries of another major are not
used; the session fails and says how to install the pinned one. (A server
named by ``TEST_DATABASE_URL`` is taken as it is; the parity test in
tests/principles/deployment fails when its major is not the pinned one.)

Never SQLite, never a silent skip: with none of these the session fails and
says how to provide one.
"""

import gc
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from throwaway.ports import free_port


class NoPostgresError(RuntimeError):
    """No way to get a PostgreSQL server was found."""


COMPOSE_FILE = Path(__file__).resolve().parent.parent / "snippets" / "compose.yaml"
# Where Debian and Ubuntu's postgresql-<major> packages put the server binaries.
POSTGRES_LIB_DIR = Path("/usr/lib/postgresql")
# The one role the local cluster authenticates (scram-sha-256); it trusts
# the others, as the tests connect without a password. A test that needs a
# password refused (SQLSTATE 28P01) creates this role: the postgres image
# authenticates every role.
SCRAM_ROLE = "scram_checked"


def pinned_image(compose_file: Path = COMPOSE_FILE) -> str:
    """The ``postgres`` service's image in the compose file: the one version pin."""
    image = str(
        yaml.safe_load(compose_file.read_text())["services"]["postgres"]["image"]
    )
    if not re.fullmatch(r"postgres:\d+(\.\d+)?(-[a-z0-9]+)?", image):
        raise NoPostgresError(
            f"{compose_file}: the postgres image {image!r} pins no major version "
            "(expected postgres:<major> or postgres:<major>-<variant>)"
        )
    return image


def pinned_major(compose_file: Path = COMPOSE_FILE) -> int:
    return int(pinned_image(compose_file).split(":")[1].split("-")[0].split(".")[0])


def no_server_message(major: int) -> str:
    return f"""\
No PostgreSQL {major} server for the tests (snippets/compose.yaml pins {major}). Provide one of:
  * TEST_DATABASE_URL=postgresql://user:password@host:5432/postgres
    (a PostgreSQL {major} server, and a role that may CREATE DATABASE),
  * a running Docker daemon (testcontainers starts {pinned_image()}), or
  * local PostgreSQL {major} binaries: apt-get install postgresql-{major}
    (for a major your distribution does not ship, add the PostgreSQL
    project's own APT repository, PGDG, which has every supported major)"""


def local_bin_dir(major: int) -> Path:
    """The local server binaries of ``major``; never another major's."""
    lib_dir = POSTGRES_LIB_DIR
    wanted = lib_dir / str(major) / "bin"
    if (wanted / "pg_ctl").exists():
        return wanted
    others = sorted(
        (d.parent.name for d in lib_dir.glob("*/bin") if (d / "pg_ctl").exists()),
        key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0, name),
    )
    found = (
        f" Found only PostgreSQL {', '.join(others)}, which is not used."
        if others
        else ""
    )
    raise NoPostgresError(
        f"{no_server_message(major)}\n{wanted}/pg_ctl does not exist.{found}"
    )


# --8<-- [start:fallback-chain]
@contextmanager
def postgres_server(workdir: Path) -> Iterator[str]:
    """Yield a SQLAlchemy URL (asyncpg driver) of a server's ``postgres`` database."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        # Accept the libpq spelling too; the tests always talk asyncpg.
        yield (
            make_url(url)
            .set(drivername="postgresql+asyncpg")
            .render_as_string(hide_password=False)
        )
        return
    with _container_or_none(pinned_image()) as url:
        if url is not None:
            yield url
            return
    bin_dir = local_bin_dir(pinned_major())
    with _local_cluster(bin_dir, workdir) as url:
        yield url
        # --8<-- [end:fallback-chain]


@contextmanager
def _container_or_none(image: str) -> Iterator[str | None]:
    """A container's URL, or None when no Docker daemon answers.

    Only a missing daemon falls back. A daemon that answers but cannot pull
    or start the image is an error: falling back then would hide a broken
    Docker behind the local binaries.
    """
    import docker
    from docker.errors import DockerException
    from testcontainers.community.postgres import PostgresContainer

    with warnings.catch_warnings():
        # docker 7.2.0 (docker/transport/unixconn.py) never closes its socket
        # when /var/run/docker.sock is missing. The leak is theirs and
        # harmless, but would fail the session under filterwarnings=error:
        # collect it here, where that one warning is ignored.
        warnings.filterwarnings(
            "ignore", message="unclosed <socket.socket", category=ResourceWarning
        )
        try:
            docker.from_env().close()  # asks the daemon for its API version
        except DockerException:
            daemon_answers = False
        else:
            daemon_answers = True
        gc.collect()
    if not daemon_answers:
        yield None
        return
    container = PostgresContainer(image, driver="asyncpg")
    container.start()
    try:
        yield container.get_connection_url()
    finally:
        container.stop()


@contextmanager
def _local_cluster(bin_dir: Path, workdir: Path) -> Iterator[str]:
    as_postgres: list[str] = []
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="pg-", dir=workdir))
    if os.geteuid() == 0:
        as_postgres = ["runuser", "-u", "postgres", "--"]
        shutil.chown(data_dir, "postgres", "postgres")
    port = free_port()
    log_file = data_dir / "server.log"

    def run(*args: str) -> None:
        result = subprocess.run(  # fixed binaries, our own arguments
            [*as_postgres, *args], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            log = log_file.read_text() if log_file.exists() else ""
            raise NoPostgresError(
                f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}{log}\n\n"
                f"{no_server_message(pinned_major())}"
            )

    try:
        run(
            str(bin_dir / "initdb"),
            "--pgdata", str(data_dir / "data"),
            "--username", "postgres",
            "--auth", "trust",
            "--encoding", "UTF8",
            "--locale", "C",
        )  # fmt: skip
        # First match wins: this line goes before initdb's "trust" lines.
        hba = data_dir / "data" / "pg_hba.conf"
        hba.write_text(
            f"host all {SCRAM_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text()
        )
        run(
            str(bin_dir / "pg_ctl"),
            "start",
            "--wait",
            "--pgdata", str(data_dir / "data"),
            "--log", str(log_file),
            # Durability is irrelevant for a throwaway cluster; fsync=off
            # makes the many small transactions of the tests cheaper.
            "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {data_dir} -F",
        )  # fmt: skip
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data_dir / "data" / "postmaster.pid").exists():
            run(
                str(bin_dir / "pg_ctl"),
                "stop",
                "--pgdata", str(data_dir / "data"),
                "--mode", "immediate",
            )  # fmt: skip
        shutil.rmtree(data_dir, ignore_errors=True)
