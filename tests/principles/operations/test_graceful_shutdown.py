"""Evidence for OPS-GRACEFUL-SHUTDOWN: The service finishes in-flight work and closes its pool on SIGTERM.

Each test reproduces a claim docs/principles/operations/graceful-shutdown.md makes,
against the real tool, library or service.
"""

import inspect
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from uvicorn import Config, Server
from uvicorn.main import main as uvicorn_cli

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.fences import find_fences
from tests.support.pages import prose
from throwaway.ports import free_port

SHUTDOWN_PAGE = DOCS_DIR / "principles" / "operations" / "graceful-shutdown.md"


def test_uvicorn_waits_for_requests_without_limit_unless_told() -> None:
    options = {option for param in uvicorn_cli.params for option in param.opts}
    shutdown = inspect.getsource(Server.shutdown)

    assert Config(app="shop.core.main:app").timeout_graceful_shutdown is None
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
    uvicorn = [sys.executable, "-m", "uvicorn", "shop.core.main:app",
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
    log = workdir / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=workdir, env=env, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 120  # a guard against hangs, not a target
            while True:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                try:
                    httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            target = process.pid
            if pid_1:  # the server is unshare's child: signal it, not unshare
                children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
                target = int(children.read_text().split()[0])
                status_lines = Path(f"/proc/{target}/status").read_text().splitlines()
                ns_pids = next(x for x in status_lines if x.startswith("NSpid:"))
                assert ns_pids.split()[-1] == "1", ns_pids  # PID 1 inside
            os.kill(target, signal.SIGTERM)
            status = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return status, log.read_text()


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
