"""Specification of tests/support/server_process.py: a server process that
never gets ready fails the wait in time, and nothing it started outlives it."""

import os
import sys
import time
from pathlib import Path

import pytest

from tests.support.server_process import (
    Readiness,
    ServerProcess,
    listening,
    printed,
    served,
)
from throwaway.ports import free_port

# Says it is starting, then neither listens nor prints again, nor exits.
NEVER_READY = "import time; print('starting the shop', flush=True); time.sleep(30)"
# Starts a grandchild that would sleep on after it, then waits like NEVER_READY.
LEAVES_A_CHILD = (
    "import subprocess, sys, time;"
    "child = subprocess.Popen(['sleep', '30']);"
    "print(child.pid, flush=True); time.sleep(30)"
)


@pytest.mark.parametrize(
    "ready", [listening, printed("Uvicorn running on")], ids=["port", "line"]
)
def test_a_server_that_never_gets_ready_fails_within_the_deadline_naming_it(
    tmp_path: Path, ready: Readiness
) -> None:
    argv = [sys.executable, "-c", NEVER_READY]
    started = time.monotonic()
    with (
        pytest.raises(pytest.fail.Exception) as failed,
        served(
            argv,
            port=free_port(),
            cwd=tmp_path,
            env=os.environ,
            ready=ready,
            seconds=0.5,
        ),
    ):
        pass  # pragma: no cover - the wait fails first

    # Not after the server's own 30 s, and not blocked on its silent output.
    assert time.monotonic() - started < 10
    message = str(failed.value)
    assert f"{sys.executable} -c {NEVER_READY}" in message
    assert "not ready within 0.5 s" in message
    assert "starting the shop" in message  # what it printed


def test_a_server_that_exits_before_it_is_ready_fails_with_its_status(
    tmp_path: Path,
) -> None:
    argv = [sys.executable, "-c", "print('no DATABASE_URL'); raise SystemExit(3)"]
    with (
        pytest.raises(pytest.fail.Exception) as failed,
        served(argv, port=free_port(), cwd=tmp_path, env=os.environ),
    ):
        pass  # pragma: no cover - the wait fails first

    assert "exited with status 3 before ready" in str(failed.value)
    assert "no DATABASE_URL" in str(failed.value)


def test_stopping_a_server_kills_what_it_started(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", LEAVES_A_CHILD]
    with served(
        argv, port=free_port(), cwd=tmp_path, env=os.environ, ready=_printed_a_pid
    ) as server:
        child = int(server.lines[0])
        assert Path(f"/proc/{child}").exists()
        stopping = time.monotonic()

    # Killed with its process group, not waited for (it holds the output
    # pipe); gone once its new parent reaps it.
    while _alive(child):
        assert time.monotonic() - stopping < 10, f"pid {child} outlived the server"
        time.sleep(0.05)
    assert time.monotonic() - stopping < 10


def _printed_a_pid(server: ServerProcess) -> bool:
    return bool(server.lines)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"
