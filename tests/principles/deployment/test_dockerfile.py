"""Evidence for DEPLOY-DOCKERFILE. No Docker daemon runs here, so the image is
never built. What is checked: hadolint passes the Dockerfile, the files it
copies exist, its Python is the project's, and the environment its
`uv sync` line creates runs its CMD and HEALTHCHECK against a real database."""

import contextlib
import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from uvicorn.config import Config

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from handbook.content.tools import tool_path
from handbook.content.validators import InvalidBlock, nginx_binary
from tests.support.pages import prose
from tests.support.server_process import (
    ServerProcess,
    port_open,
    printed,
    served,
    wait_until,
)
from throwaway.ports import free_port

DOCKERFILE = REPO_ROOT / "snippets" / "Dockerfile"
PAGE = DOCS_DIR / "principles" / "deployment" / "dockerfile.md"


def _output(process: subprocess.Popen[bytes]) -> str:
    """What a server started with ``stdout=PIPE`` has printed so far."""
    assert process.stdout is not None, "started without stdout=PIPE"
    return process.stdout.read().decode()


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [
        (line.split(maxsplit=1)[0], line.split(maxsplit=1)[1])
        for line in joined.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _runtime_environment_variables() -> dict[str, str]:
    """The variables the runtime stage's ENV lines set (after the last FROM)."""
    instructions = _instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return dict(
        assignment.split("=", 1)
        for name, args in instructions[last_from:]
        if name == "ENV"
        for assignment in shlex.split(args)
    )


def _exec_form(instruction: str) -> list[str]:
    arguments = next(args for name, args in _instructions() if name == instruction)
    if instruction == "HEALTHCHECK":
        arguments = arguments.split("CMD", 1)[1]
    exec_form: list[str] = json.loads(arguments)
    return exec_form


# --8<-- [start:hadolint]
def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    # hadolint's default threshold is "info": a "style" finding alone
    # prints and exits 0. "style" is the lowest level, so any finding fails.
    result = subprocess.run(
        [
            tool_path("hadolint"),
            "--no-color",
            "--failure-threshold",
            "style",
            str(DOCKERFILE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout
    # --8<-- [end:hadolint]


def test_the_hadolint_check_fails_on_a_style_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Dockerfile plus a line whose only finding is SC2006 (backticks), a
    # "style" one: below hadolint's default threshold, "info".
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE.read_text() + "RUN echo `date` > /build-stamp\n")
    default = subprocess.run(
        [tool_path("hadolint"), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    monkeypatch.setattr(sys.modules[__name__], "DOCKERFILE", dockerfile)

    with pytest.raises(AssertionError, match="SC2006 style"):
        test_hadolint_finds_nothing_in_the_dockerfile()
    assert "SC2006 style" in default.stdout
    assert default.returncode == 0  # printed, and passed
    assert "`--failure-threshold style`" in prose(PAGE)


# A stand-in for the server: says when it is ready, and when SIGTERM reaches it.
SERVER_STAND_IN = (
    "import signal, sys, time\n"
    "def stop(*_):\n"
    "    print('got SIGTERM', flush=True)\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGTERM, stop)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


@contextlib.contextmanager
def _as_pid_1(command: list[str]) -> Iterator[tuple[ServerProcess, int]]:
    """``command`` as PID 1 of a new PID namespace, as a container runs its CMD.

    Yields the unshare process (its output is the command's) and the
    command's PID as seen from here, where the orchestrator signals it.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail(
            "unshare is not on PATH: install util-linux (apt-get install util-linux)",
            pytrace=False,
        )
    with served(
        [unshare, "--fork", "--pid", "--mount-proc", *command],
        port=0,  # serves nothing: ready once it says so
        cwd=REPO_ROOT,
        env=os.environ,
        ready=printed("ready"),
        seconds=GUARD_SECONDS,
    ) as container:
        pid = container.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        yield container, int(children.read_text().split()[0])


def _command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().rstrip("\0").split("\0")


def test_a_shell_form_cmd_keeps_sigterm_from_the_server() -> None:
    # What Docker runs for `CMD python -c ...` (shell form): /bin/sh -c "...".
    shell_form = ["/bin/sh", "-c", shlex.join([sys.executable, "-c", SERVER_STAND_IN])]
    exec_form = [sys.executable, "-c", SERVER_STAND_IN]

    with _as_pid_1(shell_form) as (container, pid_1):
        # The shell did not exec the server: it stays PID 1, the server its child.
        children = Path(f"/proc/{pid_1}/task/{pid_1}/children").read_text().split()
        assert children, "the shell exec'd the server, which is PID 1 itself"
        server = int(children[0])
        assert _command_line(pid_1)[:2] == ["/bin/sh", "-c"]
        assert _command_line(server)[0] == sys.executable
        os.kill(pid_1, signal.SIGTERM)
        time.sleep(1)
        # PID 1 without a handler ignores SIGTERM, and passes nothing on:
        # both still run (the server would have exited on SIGTERM).
        assert container.process.poll() is None
        assert "State:\tS" in Path(f"/proc/{server}/status").read_text()

    with _as_pid_1(exec_form) as (container, pid_1):
        os.kill(pid_1, signal.SIGTERM)  # the server is PID 1 itself
        assert container.wait_for_exit(GUARD_SECONDS) == 0
        assert container.lines == ["ready", "got SIGTERM"]
    assert "`/bin/sh` stays the server's parent" in prose(PAGE)


def test_the_image_runs_the_python_version_the_project_selects() -> None:
    selected = (REPO_ROOT / ".python-version").read_text().strip()
    bases = [args.split()[0] for name, args in _instructions() if name == "FROM"]

    assert bases == [f"python:{selected}-slim-bookworm"] * 2


def test_every_file_the_dockerfile_copies_is_in_the_build_context() -> None:
    sources = [
        args.split()[:-1]
        for name, args in _instructions()
        if name == "COPY" and not args.startswith("--from")
    ]

    assert sources == [
        ["pyproject.toml", "uv.lock"],
        ["snippets/shop"],
        ["snippets/scripts"],
        ["snippets/migrations"],
    ]
    for paths in sources:
        for path in paths:
            assert (REPO_ROOT / path).exists(), path


def test_the_process_runs_as_a_numeric_non_root_user() -> None:
    users = [args for name, args in _instructions() if name == "USER"]

    assert users == ["10001:10001"]
    assert "useradd --system --uid 10001 --gid 10001" in DOCKERFILE.read_text()


@pytest.fixture(scope="module")
def runtime_environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The environment the build stage creates, made here with the same command."""
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    environment = tmp_path_factory.mktemp("image") / "venv"
    run = next(args for name, args in _instructions() if name == "RUN")
    sync = run[run.index("uv sync") :].split()[1:]  # ["sync", "--locked", ...]
    subprocess.run(
        [uv, *sync],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "UV_PROJECT_ENVIRONMENT": str(environment),
            "UV_PYTHON": sys.executable,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return environment


def test_the_runtime_environment_has_no_dev_dependencies(
    runtime_environment: Path,
) -> None:
    python = runtime_environment / "bin" / "python"
    probe = "import importlib.util as u; print([m for m in ('pytest', 'ruff', 'mkdocs', 'fastapi') if u.find_spec(m)])"

    result = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "['fastapi']"


@pytest.fixture
def server(
    runtime_environment: Path, database_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The image's CMD, run from the runtime environment, on 127.0.0.1."""
    port = free_port()
    command = _exec_form("CMD")
    command = [
        str(runtime_environment / "bin" / command[0]),
        *command[1:],
    ]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    process = subprocess.Popen(
        command,
        cwd=tmp_path,  # no .env here: the settings come from the environment
        env={
            # The image's own ENV, its paths pointed at this checkout, and
            # what compose.yaml's app service adds: no ENVIRONMENT.
            **_runtime_environment_variables(),
            "PATH": f"{runtime_environment / 'bin'}:{os.environ['PATH']}",
            "PYTHONPATH": str(REPO_ROOT / "snippets"),
            "DATABASE_URL": database_url,
            "JWT_SECRET": "image-test-secret-0123456789abcdef",  # pragma: allowlist secret
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


# --8<-- [start:cmd-and-healthcheck]
def test_the_cmd_serves_and_the_healthcheck_passes_with_runtime_dependencies_only(
    server: tuple[subprocess.Popen[bytes], int], runtime_environment: Path
) -> None:
    process, port = server
    healthcheck = _exec_form("HEALTHCHECK")
    healthcheck[0] = str(runtime_environment / "bin" / healthcheck[0])
    healthcheck[-1] = healthcheck[-1].replace(":8000/", f":{port}/")

    deadline = time.monotonic() + 30
    while subprocess.run(healthcheck, capture_output=True, check=False).returncode:
        assert process.poll() is None, _output(process)
        assert time.monotonic() < deadline, "the server never became healthy"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)

    # uvicorn re-raises the signal once it has shut down: "killed by SIGTERM".
    assert process.wait(timeout=25) == -signal.SIGTERM
    output = _output(process)
    assert "Application shutdown complete." in output
    # --8<-- [end:cmd-and-healthcheck]


def test_the_image_serves_no_api_documentation_unless_its_deployment_asks(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = server
    wait_until(
        process,
        lambda: port_open(port),
        seconds=60,
        what=f"listening on port {port}",
    )
    base = f"http://127.0.0.1:{port}"

    assert httpx.get(f"{base}/health/live").status_code == 200
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert httpx.get(f"{base}{path}").status_code == 404, path
    # Said by the image itself, not only by the settings' default.
    assert _runtime_environment_variables()["ENVIRONMENT"] == "production"


def test_the_page_says_what_is_not_verified() -> None:
    page = prose(PAGE)
    assert "No Docker daemon runs where this handbook is tested" in page
    assert "the image itself is never built" in page


def test_hadolint_reports_exactly_three_problems_of_the_donts_dockerfile(
    tmp_path: Path,
) -> None:
    dont = next(
        b
        for b in find_fences(PAGE)
        if "invalid" in b.classes and b.title == "Dockerfile"
    )
    (tmp_path / "Dockerfile").write_text(dont.source)

    result = subprocess.run(
        [tool_path("hadolint"), "--no-color", "Dockerfile"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    rules = re.findall(r"^Dockerfile:\d+ (DL\d+)", result.stdout, re.MULTILINE)
    assert sorted(rules) == ["DL3013", "DL3025", "DL3042"]
    page = prose(PAGE)
    assert "Besides DL3025 (shell form), it reports DL3013" in page
    assert "and DL3042 (pip's cache left in the image)" in page


# --- slow clients: what uvicorn bounds, and the proxy for the rest ----------------------

NGINX_CONF = REPO_ROOT / "snippets" / "nginx.conf"
# Generous: a guard against a hung test, not a measurement.
GUARD_SECONDS = 10
# nginx counts time in whole milliseconds, read once per turn of its event
# loop: by this test's clock its 10 s may end a millisecond or two early (a
# CI run saw the close 0.08 ms before 10 s had passed since the request).
NGINX_CLOCK_SECONDS = 0.01
# uvicorn's keep-alive limit in the first test, and how long it then waits
# to see which connections uvicorn has closed by itself.
KEEP_ALIVE_SECONDS = 1
WAIT_SECONDS = 4 * KEEP_ALIVE_SECONDS
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "shop.core.main:create_app"]
REQUEST = b"GET /health/live HTTP/1.1\r\nHost: shop.example\r\n\r\n"
HALF_HEADER = b"GET /health/live HTTP/1.1\r\nHost: shop.exa"
HALF_BODY = (
    b"POST /auth/token HTTP/1.1\r\nHost: shop.example\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\n"
    b"username=ada%40example.com"
)
# How long the app must stay untouched while half a body sits in nginx:
# without buffering, nginx connects to it within milliseconds of the headers.
HALF_BODY_WAIT_SECONDS = 2
# What completes HALF_BODY's 60 bytes.
REST_OF_BODY = b"&password=correct-horse-battery-42"


@contextlib.contextmanager
def _uvicorn(database_url: str, workdir: Path, *options: str) -> Iterator[int]:
    """The service under uvicorn (the image's command) on a free port."""
    port = free_port()
    with served(
        [*UVICORN, "--host", "127.0.0.1", "--port", str(port), *options],
        port=port,
        cwd=workdir,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT / "snippets"),
            "DATABASE_URL": database_url,
            "JWT_SECRET": "image-test-secret-0123456789abcdef",  # pragma: allowlist secret
        },
        seconds=60,
    ):
        yield port


@contextlib.contextmanager
def _nginx(upstream_port: int, workdir: Path) -> Iterator[int]:
    """snippets/nginx.conf, run by a real nginx; only its two ports changed."""
    try:
        nginx = nginx_binary()
    except InvalidBlock as missing:
        pytest.fail(str(missing), pytrace=False)
    port = free_port()
    config = NGINX_CONF.read_text()
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    config = config.replace(
        "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"
    )
    (workdir / "nginx.conf").write_text(config)
    with served(
        [
            nginx,
            "-p",
            str(workdir),
            "-c",
            str(workdir / "nginx.conf"),
            "-e",
            "stderr",
            "-g",
            f"daemon off; pid {workdir / 'nginx.pid'};",
        ],
        port=port,
        cwd=workdir,
        env=os.environ,
        seconds=60,
    ):
        yield port


@contextlib.contextmanager
def _recording_upstream() -> Iterator[tuple[int, queue.Queue[bytes]]]:
    """A stand-in for the app that reports each connection, then each request.

    It puts ``b"connected"`` in the queue as soon as a connection arrives,
    then the whole request (headers and Content-Length bytes of body) once
    read, and answers it with a bodiless 200.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    seen: queue.Queue[bytes] = queue.Queue()

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            seen.put(b"connected")
            with connection:
                connection.settimeout(GUARD_SECONDS * 3)
                request = b""
                while b"\r\n\r\n" not in request or len(
                    request.partition(b"\r\n\r\n")[2]
                ) < _content_length(request):
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    request += chunk
                seen.put(request)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close would not)
        listener.close()
        thread.join(timeout=GUARD_SECONDS)


def _content_length(request: bytes) -> int:
    match = re.search(rb"^content-length: *(\d+)\r$", request, re.I | re.M)
    return int(match.group(1)) if match else 0


def _send(port: int, data: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=GUARD_SECONDS)
    connection.sendall(data)
    return connection


def _is_closed(connection: socket.socket) -> bool:
    """Whether the server has closed it, reading whatever it sent first."""
    connection.setblocking(False)
    try:
        while connection.recv(65536):
            pass
    except BlockingIOError:
        return False  # open: nothing more to read yet
    except ConnectionResetError:
        return True
    return True  # recv returned b"": closed


def _seconds_until_closed(connection: socket.socket, started: float) -> float:
    connection.settimeout(GUARD_SECONDS * 3)
    with contextlib.suppress(ConnectionResetError):
        while connection.recv(65536):
            pass
    return time.monotonic() - started


def _seconds(directive: str) -> int:
    match = re.search(rf"^\s*{directive} (\d+)s;", NGINX_CONF.read_text(), re.M)
    assert match, f"{directive} not in {NGINX_CONF}"
    return int(match.group(1))


def test_uvicorns_keep_alive_limit_is_5_seconds_by_default() -> None:
    assert Config("shop.core.main:create_app", factory=True).timeout_keep_alive == 5
    assert "`--timeout-keep-alive` (5 s by default)" in prose(PAGE)


# --8<-- [start:uvicorn-bounds]
def test_uvicorn_closes_an_idle_keep_alive_connection_but_waits_for_a_half_sent_request(
    database_url: str, tmp_path: Path
) -> None:
    options = ("--timeout-keep-alive", str(KEEP_ALIVE_SECONDS))
    with (
        _uvicorn(database_url, tmp_path, *options) as port,
        _send(port, REQUEST) as answered,  # answered, then idle, kept alive
        _send(port, b"") as silent,  # connected, never sends a byte
        _send(port, HALF_HEADER) as half_header,
        _send(port, HALF_BODY) as half_body,
    ):
        time.sleep(WAIT_SECONDS)

        assert _is_closed(answered)
        # Four times the keep-alive limit later, these are all still open:
        # uvicorn bounds none of them, however long a client takes.
        assert not _is_closed(silent)
        assert not _is_closed(half_header)
        assert not _is_closed(half_body)
    # --8<-- [end:uvicorn-bounds]


# --8<-- [start:nginx-bounds]
def test_nginx_in_front_closes_a_half_sent_request_after_its_timeout(
    database_url: str, tmp_path: Path
) -> None:
    with (
        _uvicorn(database_url, tmp_path) as app,
        _nginx(app, tmp_path) as port,
    ):
        proxied = httpx.get(f"http://127.0.0.1:{port}/health/live")
        started = time.monotonic()
        with (
            _send(port, HALF_HEADER) as half_header,
            _send(port, HALF_BODY) as half_body,
        ):
            header_closed = _seconds_until_closed(half_header, started)
            body_closed = _seconds_until_closed(half_body, started)

    assert proxied.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", proxied.headers["x-request-id"])  # nginx's
    header_timeout = _seconds("client_header_timeout")
    body_timeout = _seconds("client_body_timeout")
    # Not before the timeout (as nginx's millisecond clock counts), and not
    # long after it.
    early = NGINX_CLOCK_SECONDS
    assert header_timeout - early <= header_closed < header_timeout + GUARD_SECONDS
    assert body_timeout - early <= body_closed < body_timeout + GUARD_SECONDS
    # --8<-- [end:nginx-bounds]


def test_nginx_passes_a_request_on_only_once_its_whole_body_has_arrived(
    tmp_path: Path,
) -> None:
    assert len(HALF_BODY.partition(b"\r\n\r\n")[2] + REST_OF_BODY) == 60
    with (
        _recording_upstream() as (upstream, seen),
        _nginx(upstream, tmp_path) as port,
        _send(port, HALF_BODY) as client,
    ):
        # Half the body is in nginx; the app has not even been connected to.
        with pytest.raises(queue.Empty):
            seen.get(timeout=HALF_BODY_WAIT_SECONDS)
        client.sendall(REST_OF_BODY)
        connected = seen.get(timeout=GUARD_SECONDS)
        request = seen.get(timeout=GUARD_SECONDS)
        answer = client.recv(65536)

    assert connected == b"connected"
    # The app got the whole request at once, the body in one piece.
    assert request.startswith(b"POST /auth/token HTTP/1.1\r\n")
    assert request.endswith(b"\r\n\r\nusername=ada%40example.com" + REST_OF_BODY)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert "nginx also reads the whole body before it passes the request on" in prose(
        PAGE
    )
