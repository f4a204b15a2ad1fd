"""Specification: the load generator is bounded in requests and time, and local only.

A tiny HTTP/1.1 server on 127.0.0.1 stands in for uvicorn: it answers
every request on a kept-alive connection, after ``delay`` seconds.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from benchmarks.load import GRACE_SECONDS, LoadError, fetch_once, generate, run_load

Server = Callable[[float], AbstractAsyncContextManager[str]]


@pytest.fixture
def http_server() -> Server:
    @asynccontextmanager
    async def serve(delay: float) -> AsyncIterator[str]:
        async def answer(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            try:
                while await reader.readuntil(b"\r\n\r\n"):
                    await asyncio.sleep(delay)
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            yield f"http://127.0.0.1:{port}/"
            server.close()

    return serve


async def test_the_request_cap_ends_a_run(http_server: Server) -> None:
    async with http_server(0) as url:
        result = await generate(url, concurrency=4, max_requests=50, max_seconds=10)

    assert result["requests"] == 50
    assert result["statuses"] == {"200": 50}
    assert result["errors"] == 0
    assert result["wire_bytes_mean"] == len(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )


async def test_the_time_cap_ends_a_run(http_server: Server) -> None:
    async with http_server(0.05) as url:
        started = time.perf_counter()
        result = await generate(
            url, concurrency=2, max_requests=10_000, max_seconds=0.3
        )
        elapsed = time.perf_counter() - started

    # No request starts after the cap: each of the two connections waits
    # 50 ms or more per answer, so about 0.3 / 0.05 = 6 start on each (one
    # more allowed for timer granularity). A count, not a clock: a slow
    # machine sends fewer, never more.
    assert 0 < result["requests"] <= 2 * (6 + 1)
    # Those in flight at the cap finish, then the run ends: well before the
    # generator's own grace period would cancel them.
    assert elapsed < 0.3 + GRACE_SECONDS
    assert result["latency_ms"]["p50"] >= 50


async def test_the_load_comes_from_a_second_process(http_server: Server) -> None:
    async with http_server(0) as url:
        result = await run_load(url, concurrency=2, max_requests=20, max_seconds=5)

    assert result["requests"] == 20
    assert result["concurrency"] == 2


@pytest.mark.parametrize(
    "url", ["http://example.com/", "http://localhost:80/", "https://127.0.0.1:8443/"]
)
async def test_only_plain_http_to_127_0_0_1_is_allowed(url: str) -> None:
    with pytest.raises(LoadError, match=r"only http://127\.0\.0\.1"):
        await generate(url, concurrency=1, max_requests=1, max_seconds=1)
    with pytest.raises(LoadError):
        await fetch_once(url)


async def test_a_run_without_bounds_is_refused() -> None:
    with pytest.raises(LoadError, match="must be positive"):
        await generate(
            "http://127.0.0.1:1/", concurrency=1, max_requests=0, max_seconds=1
        )
