"""Evidence for OPS-GRACEFUL-SHUTDOWN: The service finishes in-flight work and closes its pool on SIGTERM.

Each test reproduces a claim docs/principles/operations/graceful-shutdown.md makes,
against the real tool, library or service.
"""

import asyncio
import contextlib
import inspect
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets.exceptions
import websockets.sync.client
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import QueuePool
from uvicorn import Config, Server
from uvicorn.main import main as uvicorn_cli

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from shop.core.config import Settings
from shop.core.main import AppState, create_app, lifespan
from shop.shared.cache import ResponseCache
from shop.shared.rate_limit import SharedRateLimiter
from tests.support.pages import prose
from tests.support.server_process import ServerProcess, answers, served
from tests.support.shop_fixtures import PASSWORD, build_app, configured, running
from throwaway.ports import free_port

SHUTDOWN_PAGE = DOCS_DIR / "principles" / "operations" / "graceful-shutdown.md"


def test_uvicorn_waits_for_requests_without_limit_unless_told() -> None:
    options = {option for param in uvicorn_cli.params for option in param.opts}
    shutdown = inspect.getsource(Server.shutdown)

    assert (
        Config(app="shop.core.main:create_app", factory=True).timeout_graceful_shutdown
        is None
    )
    assert "--timeout-graceful-shutdown" in options
    # On timeout the running tasks are cancelled, then the lifespan shuts down.
    assert shutdown.index("t.cancel(") < shutdown.index("self.lifespan.shutdown()")
    page_text = prose(SHUTDOWN_PAGE)
    assert "`timeout_graceful_shutdown` defaults to `None`" in page_text
    assert "`--timeout-graceful-shutdown <seconds>`" in page_text
    assert "uvicorn cancels the requests still running" in page_text


def test_uvicorn_raises_the_signal_again_after_shutting_down() -> None:
    source = inspect.getsource(Server.capture_signals)

    assert "signal.raise_signal(captured_signal)" in source
    assert "uvicorn raises the signal again once its shutdown is done" in prose(
        SHUTDOWN_PAGE
    )


# --- The exit status, as an ordinary process and as PID 1 ------------------------------


def _serve_then_sigterm(pid_1: bool, workdir: Path) -> tuple[int, str]:
    """Run the real uvicorn on the shop, SIGTERM it once it answers; (status, log).

    With ``pid_1``, uvicorn runs as PID 1 of a new PID namespace (``unshare
    --pid --fork``), as it does in the image: exec-form CMD, no ``--init``.
    The signal comes from outside the namespace, as a container runtime's does.
    """
    port = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "shop.core.main:create_app",
               "--host", "127.0.0.1", "--port", str(port),
               "--timeout-graceful-shutdown", "8"]  # fmt: skip
    unshare = shutil.which("unshare")
    assert unshare, "unshare is missing: apt-get install util-linux"
    as_user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    argv = (
        [unshare, *as_user, "--pid", "--fork", "--mount-proc", *uvicorn]
        if pid_1
        else uvicorn
    )
    env = {
        **os.environ,
        # Nothing listens there: start-up and shutdown never touch the database.
        "DATABASE_URL": "postgresql://shop@127.0.0.1:1/shop",
        "JWT_SECRET": "local-only-not-a-secret-0123456789abcdef",  # pragma: allowlist secret
        "PYTHONUNBUFFERED": "1",
    }
    with served(
        argv,
        port=port,
        cwd=workdir,
        env=env,
        ready=answers("/health/live"),
        seconds=120,
    ) as server:
        target = server.process.pid
        if pid_1:  # the server is unshare's child: signal it, not unshare
            children = Path(f"/proc/{target}/task/{target}/children")
            target = int(children.read_text().split()[0])
            status_lines = Path(f"/proc/{target}/status").read_text().splitlines()
            ns_pids = next(x for x in status_lines if x.startswith("NSpid:"))
            assert ns_pids.split()[-1] == "1", ns_pids  # PID 1 inside
        os.kill(target, signal.SIGTERM)
        status = server.wait_for_exit(60)
    return status, server.output()


def test_uvicorn_exits_killed_by_sigterm_as_an_ordinary_process(tmp_path: Path) -> None:
    status, log = _serve_then_sigterm(pid_1=False, workdir=tmp_path)

    assert status == -signal.SIGTERM, log
    assert "Application shutdown complete." in log
    page = prose(SHUTDOWN_PAGE)
    assert (
        'uvicorn then exits "killed by SIGTERM" (`-15` in Python, 143 in a shell)'
        in page
    )


def test_as_pid_1_the_same_clean_stop_exits_0(tmp_path: Path) -> None:
    status, log = _serve_then_sigterm(pid_1=True, workdir=tmp_path)

    # The signal uvicorn raises again has no handler, and the kernel ignores
    # such a signal sent to PID 1 from its own namespace: the process returns.
    assert status == 0, log
    assert "Application shutdown complete." in log
    assert "Finished server process [1]" in log
    page = prose(SHUTDOWN_PAGE)
    assert "As PID 1, which uvicorn is in the recommended image" in page
    assert "the same stop exits with status 0" in page


# --- Connections that never finish by themselves -------------------------------------

# An endless server-sent event stream, served by the real uvicorn on its own.
ORDER_EVENTS_APP = """\
import asyncio
import itertools

from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route


async def order_events(request):
    async def events():
        for n in itertools.count():
            yield f"data: order status {n}\\n\\n"
            await asyncio.sleep(0.1)

    return StreamingResponse(events(), media_type="text/event-stream")


app = Starlette(routes=[Route("/orders/events", order_events)])
"""
GRACE_SECONDS = 3


@contextlib.contextmanager
def _uvicorn_alone(
    workdir: Path, module: str, source: str, *options: str
) -> Iterator[tuple[ServerProcess, int]]:
    """``source`` as ``<module>.py`` in ``workdir``, served by the real uvicorn
    with a graceful timeout of ``GRACE_SECONDS``, once it accepts connections:
    (the server, its port). Killed on exit if it still runs."""
    (workdir / f"{module}.py").write_text(source)
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", f"{module}:app",
            "--host", "127.0.0.1", "--port", str(port), *options,
            "--timeout-graceful-shutdown", str(GRACE_SECONDS)]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with served(argv, port=port, cwd=workdir, env=env, seconds=60) as server:
        yield server, port


def _read_events_sigterm_at_the_first(
    server: "subprocess.Popen[str]", port: int, after_sigterm: list[float]
) -> None:
    """Read the event stream; SIGTERM the server at the first event, then
    note when each later one came, in seconds from the signal."""
    url = f"http://127.0.0.1:{port}/orders/events"
    signalled = None
    with httpx.stream("GET", url, timeout=30) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data: "):
                continue
            if signalled is None:
                server.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
            else:
                after_sigterm.append(time.monotonic() - signalled)


def test_a_streamed_response_runs_on_after_sigterm_until_the_graceful_timeout(
    tmp_path: Path,
) -> None:
    uvicorn = _uvicorn_alone(tmp_path, "order_events", ORDER_EVENTS_APP)
    with uvicorn as (server, port):
        after_sigterm: list[float] = []  # when each event came, from SIGTERM
        with pytest.raises(httpx.RemoteProtocolError):  # cut off mid-stream
            _read_events_sigterm_at_the_first(server.process, port, after_sigterm)
        status = server.wait_for_exit(60)
    text = server.output()

    # The stream went on after SIGTERM until the timeout cancelled it; nothing
    # else ended it, and the server then shut down as usual.
    assert after_sigterm, text
    assert after_sigterm[-1] >= GRACE_SECONDS - 1, (after_sigterm[-1], text)
    assert "Waiting for connections to close." in text
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in text
    # Cancelled first, then the lifespan's shutdown ran.
    assert text.index("Cancel 1 running task(s)") < text.index(
        "Application shutdown complete."
    ), text
    assert status == -signal.SIGTERM, text


# An order-status WebSocket that stays open until the server closes it.
ORDER_UPDATES_APP = """\
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute


async def order_updates(websocket):
    await websocket.accept()
    await websocket.send_text("subscribed")
    # Only the client or the server's shutdown ends the wait.
    while True:
        await websocket.receive_text()


app = Starlette(routes=[WebSocketRoute("/orders/updates", order_updates)])
"""


def _websocket_implementations() -> list[str]:
    """``--ws`` values, one per implementation module of the installed uvicorn."""
    package = Path(inspect.getfile(Server)).parent / "protocols" / "websockets"
    modules = sorted(p.stem for p in package.glob("*_impl.py"))
    return [m.removesuffix("_impl").replace("_", "-") for m in modules]


@pytest.mark.parametrize("implementation", _websocket_implementations())
def test_uvicorn_closes_an_open_websocket_at_once_with_code_1012(
    tmp_path: Path, implementation: str
) -> None:
    uvicorn = _uvicorn_alone(
        tmp_path, "order_updates", ORDER_UPDATES_APP, "--ws", implementation
    )
    with uvicorn as (server, port):
        url = f"ws://127.0.0.1:{port}/orders/updates"
        with websockets.sync.client.connect(url, open_timeout=30) as websocket:
            assert websocket.recv(timeout=30) == "subscribed"
            server.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                websocket.recv(timeout=30)
            closed_after = time.monotonic() - signalled
        status = server.wait_for_exit(60)
    text = server.output()

    # The server sent the close frame, with 1012 ("service restart"), and
    # before the graceful timeout that ends a stream could have forced it.
    assert closed.value.rcvd is not None, (closed.value, text)
    assert closed.value.rcvd.code == 1012, (closed.value.rcvd, text)
    assert closed_after < GRACE_SECONDS, (closed_after, text)
    assert "timeout graceful shutdown exceeded" not in text
    assert status == -signal.SIGTERM, text
    assert "uvicorn closes open WebSockets at once, with close code 1012" in prose(
        SHUTDOWN_PAGE
    )


def test_the_pages_entrypoint_runs_what_the_image_has() -> None:
    scripts = [b.source for b in find_fences(SHUTDOWN_PAGE) if b.language == "bash"]
    assert scripts, f"{SHUTDOWN_PAGE}: no entrypoint script"
    entrypoint = scripts[0]
    # The shell execs the server, which takes over its PID and its signals.
    exec_lines = [line for line in entrypoint.splitlines() if line.startswith("exec ")]
    assert len(exec_lines) == 1, entrypoint
    exec_line = exec_lines[0]
    dockerfile = (REPO_ROOT / "snippets" / "Dockerfile").read_text()
    runtime = dockerfile.rsplit("\nFROM ", 1)[1]

    # The runtime stage has no uv: only the environment, whose bin/ is on PATH.
    assert "/uv" not in runtime
    assert 'ENV PATH="/app/.venv/bin:$PATH"' in runtime
    assert exec_line.split()[1] == "uvicorn", exec_line
    assert "uv run" not in entrypoint


# --- The lifespan owns every resource ----------------------------------------------

# What the lifespan creates; the settings come from create_app's caller, and
# the metrics port is a number, not a resource.
RESOURCES = AppState.__annotations__.keys() - {"settings", "metrics_port"}


def _idle_connections(engine: AsyncEngine) -> int:
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool), pool
    return pool.checkedin()


async def _connected_clients(redis: Redis) -> int:
    return len(await redis.client_list())


# --8<-- [start:lifespan-owns]
async def test_each_start_up_creates_every_resource_anew(
    settings: Settings, redis_url: str
) -> None:
    app = create_app(configured(settings, redis_url=redis_url))

    async with running(app) as first:
        # Nothing is kept on app.state, even while the app runs.
        assert [
            name for name in AppState.__annotations__ if hasattr(app.state, name)
        ] == []
    async with running(app) as second:
        pass

    # One made in create_app would be the same object on both starts.
    assert {
        name
        for name in RESOURCES
        # Keys of the TypedDict, read by name: mypy wants literals there.
        if first.state[name] is second.state[name]  # type: ignore[literal-required]
    } == set()


async def test_shutdown_closes_every_connection_the_app_opened(
    settings: Settings, session: AsyncSession, redis_url: str
) -> None:
    app = build_app(configured(settings, redis_url=redis_url), session)
    observer = Redis.from_url(redis_url)
    before = await _connected_clients(observer)

    async with (
        running(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://t") as client,
    ):
        # A sign-in is counted in Redis by the rate limiter; a profile read
        # goes through the cache's own Redis client.
        account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
        ada = (await client.post("/users", json=account)).json()
        sign_in = {"username": "ada@example.com", "password": PASSWORD}
        token = (await client.post("/auth/token", data=sign_in)).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        profile = await client.get(f"/users/{ada['id']}", headers=bearer)
        # The requests use the test's session; the pool is opened directly.
        engine = served.state["engine"]
        async with engine.connect():
            pass
        running_clients = await _connected_clients(observer)
        idle_while_running = _idle_connections(engine)

    after = await _connected_clients(observer)
    for _ in range(200):  # a 10 s guard: the server notices a closed socket soon
        if after <= before:
            break
        await asyncio.sleep(0.05)
        after = await _connected_clients(observer)
    await observer.aclose()

    assert profile.status_code == 200, profile.text
    # The cache's client and the rate limiter's each had a connection open.
    assert running_clients >= before + 2
    assert idle_while_running == 1
    assert after == before
    assert _idle_connections(engine) == 0
    # --8<-- [end:lifespan-owns]


async def test_a_resource_that_fails_to_open_closes_the_ones_opened_before_it(
    settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[str] = []
    for owner, method in (
        (AsyncEngine, "dispose"),
        (ResponseCache, "aclose"),
        (SharedRateLimiter, "aclose"),
    ):
        original = getattr(owner, method)

        async def recording(
            self: Any,
            *args: Any,
            _original: Any = original,
            _name: str = owner.__name__,
        ) -> Any:
            closed.append(_name)
            return await _original(self, *args)

        monkeypatch.setattr(owner, method, recording)

    # The metrics listener opens last, on a port something else holds.
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = configured(
            settings, redis_url=redis_url, metrics_port=taken.getsockname()[1]
        )
        with pytest.raises(OSError, match="in use"):
            async with lifespan(busy):
                pass  # pragma: no cover - start-up fails before this

    assert closed == ["SharedRateLimiter", "ResponseCache", "AsyncEngine"]
    assert "if one fails to open, it closes the ones already open" in prose(
        SHUTDOWN_PAGE
    )


def test_importing_the_service_reads_no_environment_and_builds_no_app() -> None:
    # No DATABASE_URL or JWT_SECRET: building the app would fail without them.
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO_ROOT / "snippets"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import shop.core.main as m; print(hasattr(m, 'app'))"],
        cwd=REPO_ROOT / "snippets",
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr
    assert "importing `shop.core.main` builds nothing and reads no environment" in (
        prose(SHUTDOWN_PAGE)
    )
