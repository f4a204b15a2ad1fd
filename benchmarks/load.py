"""The load generator: a second process that sends HTTP/1.1 requests to 127.0.0.1.

    python -m benchmarks.load http://127.0.0.1:8001/path --concurrency 20 \\
        --max-requests 2000 --max-seconds 2 [--header 'Name: value' ...]

``concurrency`` workers each keep one connection open and send one request
at a time, until either ``max-requests`` have been sent or ``max-seconds``
have passed, whichever comes first; requests still in flight then get a
short grace period. It prints one JSON object: requests, errors, status
counts, elapsed time, throughput, latency percentiles and bytes received
per response (status line, headers and body, as on the wire).

A minimal client of its own rather than httpx: the generator shares two
cores with the server it measures, and the less CPU it spends per request,
the less it takes from the server. Only 127.0.0.1 is accepted.

:func:`run_load` starts this module as a subprocess and returns its result.
"""

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from benchmarks.stats import percentile

LOOPBACK = "127.0.0.1"
# After the time cap, requests already sent may finish for this long.
GRACE_SECONDS = 5.0


class LoadError(RuntimeError):
    """The load generator was misused or failed."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    wire_bytes: int


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> "Target":
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.port is None:
            raise LoadError(f"only http://{LOOPBACK}:<port>/... is allowed, got {url}")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(parts.hostname, parts.port, path)


def _request_bytes(target: Target, headers: Sequence[str]) -> bytes:
    lines = [f"GET {target.path} HTTP/1.1", f"Host: {target.host}:{target.port}"]
    lines += headers
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    wire = len(head)
    if status in (204, 304) or status < 200:
        return Response(status, headers, b"", wire)
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            chunk = await reader.readexactly(size + 2)
            wire += len(size_line) + len(chunk)
            body += chunk[:-2]
            if size == 0:
                return Response(status, headers, bytes(body), wire)
    body_bytes = await reader.readexactly(int(headers.get("content-length", "0")))
    return Response(status, headers, body_bytes, wire + len(body_bytes))


async def fetch_once(url: str, headers: Sequence[str] = ()) -> Response:
    """One GET on a fresh connection, within 5 s (set-up and readiness checks)."""
    target = Target.parse(url)
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(target.host, target.port)
        try:
            writer.write(_request_bytes(target, [*headers, "Connection: close"]))
            return await _read_response(reader)
        finally:
            writer.close()
            await writer.wait_closed()


@dataclass
class _Tally:
    max_requests: int
    deadline: float
    sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    wire_bytes: list[int] = field(default_factory=list)

    def take_ticket(self) -> bool:
        if self.sent >= self.max_requests or time.perf_counter() >= self.deadline:
            return False
        self.sent += 1
        return True


async def _worker(target: Target, request: bytes, tally: _Tally) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    try:
        while tally.take_ticket():
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = await asyncio.open_connection(target.host, target.port)
                reader, writer = connection
                writer.write(request)
                response = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                tally.errors += 1
                if connection is not None:
                    connection[1].close()
                connection = None
                continue
            tally.latencies.append((time.perf_counter() - started) * 1000)
            key = str(response.status)
            tally.statuses[key] = tally.statuses.get(key, 0) + 1
            tally.wire_bytes.append(response.wire_bytes)
            if response.headers.get("connection", "").lower() == "close":
                connection[1].close()
                connection = None
    finally:
        if connection is not None:
            connection[1].close()


async def generate(
    url: str,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    headers: Sequence[str] = (),
) -> dict[str, Any]:
    """Send the load and summarise it (what the subprocess prints)."""
    if concurrency < 1 or max_requests < 1 or max_seconds <= 0:
        raise LoadError("concurrency, max-requests and max-seconds must be positive")
    target = Target.parse(url)
    request = _request_bytes(target, headers)
    started = time.perf_counter()
    tally = _Tally(max_requests=max_requests, deadline=started + max_seconds)
    async with asyncio.timeout(max_seconds + GRACE_SECONDS):
        await asyncio.gather(
            *(_worker(target, request, tally) for _ in range(concurrency))
        )
    elapsed = time.perf_counter() - started
    done = len(tally.latencies)
    return {
        "url_path": target.path,
        "concurrency": concurrency,
        "max_requests": max_requests,
        "max_seconds": max_seconds,
        "requests": done,
        "errors": tally.errors,
        "statuses": tally.statuses,
        "seconds": elapsed,
        "throughput_rps": done / elapsed,
        "latency_ms": {
            "p50": percentile(tally.latencies, 0.5) if done else None,
            "p99": percentile(tally.latencies, 0.99) if done else None,
            "max": max(tally.latencies) if done else None,
        },
        "wire_bytes_mean": sum(tally.wire_bytes) / done if done else None,
    }


async def run_load(
    url: str,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    headers: Sequence[str] = (),
) -> dict[str, Any]:
    """Run the generator in its own process and return what it measured."""
    argv = [sys.executable, "-m", "benchmarks.load", url]
    argv += ["--concurrency", str(concurrency), "--max-requests", str(max_requests)]
    argv += ["--max-seconds", str(max_seconds)]
    for header in headers:
        argv += ["--header", header]
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(max_seconds + GRACE_SECONDS + 30):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise LoadError(
            f"load generator failed ({process.returncode}):\n{stderr.decode()}"
        )
    result: dict[str, Any] = json.loads(stdout)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help=f"http://{LOOPBACK}:<port>/<path>")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--max-requests", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, required=True)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(
            generate(
                args.url,
                concurrency=args.concurrency,
                max_requests=args.max_requests,
                max_seconds=args.max_seconds,
                headers=args.header,
            )
        )
    except LoadError as error:
        parser.exit(2, f"{error}\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
