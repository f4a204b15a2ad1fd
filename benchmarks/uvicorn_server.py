"""An ASGI app served by uvicorn in a child process on 127.0.0.1, as in production."""

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from benchmarks.load import fetch_once
from throwaway.ports import free_port

STARTUP_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10


class ServerError(RuntimeError):
    """uvicorn did not start, or its app did not become ready."""


@asynccontextmanager
async def serving(
    app: str,
    *,
    workdir: Path,
    ready_path: str,
    env: Mapping[str, str] | None = None,
    factory: bool = False,
) -> AsyncIterator[str]:
    """Serve ``app`` (``module:attribute``) with one uvicorn worker; yield its URL.

    With ``factory``, the attribute is a function that returns the app
    (``uvicorn --factory``).

    Its output goes to ``workdir/<module>.log``; the process is always
    stopped afterwards, with anything it started.
    """
    port = free_port()
    log_path = workdir / f"{app.split(':')[0]}.log"
    argv = [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else [])]
    argv += [app, "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=workdir,  # no stray .env file is read
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_ready(process, url + ready_path, log_path)
        yield url
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await process.wait()
        except TimeoutError:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


async def _wait_until_ready(
    process: asyncio.subprocess.Process, url: str, log_path: Path
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.returncode is not None:
            break
        try:
            response = await fetch_once(url)
        except (OSError, EOFError):  # not listening yet, or closed on us
            await asyncio.sleep(0.1)
            continue
        if response.status == 200:
            return
        raise ServerError(f"{url} answered {response.status}: {response.body[:500]!r}")
    log = await asyncio.to_thread(log_path.read_text, errors="replace")
    raise ServerError(
        f"uvicorn did not serve {url} within {STARTUP_TIMEOUT_SECONDS} s:\n{log[-2000:]}"
    )
