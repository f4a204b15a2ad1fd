"""`uv run task docs` stops, server and all, when its own PID is signalled.

go-task passes no signal sent to its PID on to its commands; the docs task
runs mkdocs through handbook/tools/docs_server.py, which notices and stops it.
The site served here is a one-page one (mkdocs -f), for speed: the chain of
processes (uv, task, uv, docs_server, mkdocs) is the real one.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from handbook.content.docs_tree import REPO_ROOT
from handbook.tools.docs_server import ancestors_up_to_task, writes_by
from throwaway.ports import free_port

SERVE_WITHIN_SECONDS = 120
EXIT_WITHIN_SECONDS = 20


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv not found on PATH: pip install uv", pytrace=False)
    return uv


@pytest.fixture
def tiny_site(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Served\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: Served\ndocs_dir: {tmp_path / 'docs'}\n")
    return config


def _serving(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _group(pgid: int) -> set[int]:
    """The processes still alive in process group ``pgid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


@pytest.fixture
def docs_task(tiny_site: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`uv run task docs` in a process group of its own, serving on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [
            _uv(),
            "run",
            "task",
            "docs",
            "--",
            "-f",
            str(tiny_site),
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        cwd=REPO_ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + SERVE_WITHIN_SECONDS
        while not _serving(port):
            assert process.poll() is None, "uv run task docs exited before serving"
            assert time.monotonic() < deadline, "uv run task docs never served"
            time.sleep(0.2)
        yield process, port
    finally:
        if _group(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_signalling_the_pid_of_uv_run_task_docs_stops_the_whole_tree(
    docs_task: tuple[subprocess.Popen[bytes], int], signum: int
) -> None:
    process, port = docs_task
    assert len(_group(process.pid)) >= 4  # uv, task, uv, (docs_server,) mkdocs

    os.kill(process.pid, signum)

    process.wait(timeout=EXIT_WITHIN_SECONDS)
    deadline = time.monotonic() + EXIT_WITHIN_SECONDS
    while _group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group(process.pid), "processes left running"
    assert not _serving(port), "the port is still served"


def test_task_writes_nothing_while_its_command_runs_until_it_is_signalled(
    tmp_path: Path,
) -> None:
    """What docs_server relies on: task writes nothing while its command
    runs until a signal makes it log "Signal received", and the processes up
    to task are found."""
    (tmp_path / "Taskfile.yml").write_text(
        'version: "3"\ntasks:\n  wait:\n    cmds:\n'
        "      - python -c 'import time; time.sleep(30)'\n"
    )
    task = subprocess.Popen(
        [shutil.which("task") or "task", "wait"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + EXIT_WITHIN_SECONDS
        while not (children := _children(task.pid)):
            assert time.monotonic() < deadline, "task started no command"
            time.sleep(0.1)
        assert ancestors_up_to_task(children[0]) == [task.pid]
        before = writes_by(task.pid)
        assert before is not None, "task's write count is unreadable"
        time.sleep(1)
        assert writes_by(task.pid) == before
        os.kill(task.pid, signal.SIGTERM)
        # Its "Signal received" line; go may split it over several write
        # calls, and docs_server reads any write as the signal.
        deadline = time.monotonic() + EXIT_WITHIN_SECONDS
        while writes_by(task.pid) == before:
            assert time.monotonic() < deadline, "task wrote nothing when signalled"
            time.sleep(0.1)
    finally:
        os.killpg(task.pid, signal.SIGKILL)
        output, _ = task.communicate()
    assert b'task: Signal received: "terminated"' in output


def _children(pid: int) -> list[int]:
    """``pid``'s children: a Go program such as task starts them from any thread."""
    return [
        int(child)
        for thread in Path(f"/proc/{pid}/task").iterdir()
        for child in (thread / "children").read_text().split()
    ]
