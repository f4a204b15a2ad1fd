"""Evidence for SEC-BODY-LIMIT: request bodies are refused over a size limit.

Each test reproduces a claim docs/principles/security/body-limit.md makes,
against the service's settings and its real app.
"""

import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from starlette.exceptions import HTTPException

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.request_limits import BodySizeLimitMiddleware
from tests.support.pages import prose
from tests.support.server_process import served
from tests.support.shop_fixtures import assert_error
from throwaway.ports import free_port

PAGE = DOCS_DIR / "principles" / "security" / "body-limit.md"


async def test_the_default_limit_is_64_kib_and_answers_in_the_common_body(
    client: AsyncClient,
) -> None:
    limit = Settings.model_fields["max_request_body_bytes"].default
    assert limit == 64 * 1024

    over = await client.post(
        "/users",
        content=b"x" * (limit + 1),
        headers={"Content-Type": "application/json"},
    )
    at = await client.post(
        "/users", content=b"x" * limit, headers={"Content-Type": "application/json"}
    )

    error = assert_error(over, 413, "content_too_large")
    assert error["message"] == f"Request body larger than {limit} bytes"
    assert_error(at, 422, "validation_error")  # read, then refused as bad JSON
    page = prose(PAGE)
    assert "`max_request_body_bytes` (default 64 KiB)" in page
    assert "the code `content_too_large`" in page


BODY_LENGTH_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = str(len(body)).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})
"""


def test_uvicorns_parser_frames_by_transfer_encoding_and_keeps_the_connection(
    tmp_path: Path,
) -> None:
    # A bare ASGI app: what uvicorn does before any middleware of the service.
    (tmp_path / "body_length.py").write_text(BODY_LENGTH_APP)
    port = free_port()
    with (
        served(
            [sys.executable, "-m", "uvicorn", "body_length:app", "--port", str(port)],
            port=port,
            cwd=tmp_path,
            env=os.environ,
            seconds=60,
        ),
        socket.create_connection(("127.0.0.1", port), timeout=5) as connection,
    ):
        connection.sendall(
            b"POST / HTTP/1.1\r\nHost: shop.example\r\n"
            b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n"
        )
        answer = b""
        while not answer.endswith(b"\r\n\r\n3"):  # the whole response
            chunk = connection.recv(65536)
            assert chunk, f"closed after {answer!r}"
            answer += chunk
        connection.settimeout(1)  # uvicorn's keep-alive limit is 5 s
        with pytest.raises(TimeoutError):
            connection.recv(65536)  # nothing: still open

    # The chunked body (3 bytes) was read; Content-Length: 5 was ignored.
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(b"\r\n\r\n3")
    assert "(h11) frames that request by `Transfer-Encoding`" in prose(PAGE)


async def test_a_websocket_scope_passes_through_unbounded() -> None:
    large: dict[str, Any] = {"type": "websocket.receive", "bytes": b"x" * 1_000_000}
    seen: list[dict[str, Any]] = []

    async def endpoint(_scope: Any, receive: Any, _send: Any) -> None:
        seen.append(await receive())

    async def receive() -> dict[str, Any]:
        return large

    async def send(message: Any) -> None:
        raise AssertionError(f"the middleware answered: {message}")

    limited = BodySizeLimitMiddleware(endpoint, max_bytes=10)
    scope = {"type": "websocket", "headers": [(b"content-length", b"999999")]}
    await limited(scope, receive, send)

    assert seen == [large]
    assert "passes every non-HTTP scope through untouched" in prose(PAGE)


async def test_a_streamed_body_is_refused_with_the_message_that_passes_the_limit() -> (
    None
):
    read: list[int] = []  # the size of each message the server handed over
    handed: list[int] = []  # the size of each message the app was given

    async def receive() -> dict[str, Any]:
        assert len(read) < 10, "read on past the limit"
        read.append(1000)
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    async def endpoint(_scope: Any, receive: Any, _send: Any) -> None:
        while True:
            handed.append(len((await receive())["body"]))

    async def send(message: Any) -> None:
        raise AssertionError(f"the middleware answered itself: {message}")

    limited = BodySizeLimitMiddleware(endpoint, max_bytes=2048)
    with pytest.raises(HTTPException) as refused:
        await limited({"type": "http", "headers": []}, receive, send)

    assert refused.value.status_code == 413
    # The third message passes 2048 bytes: it is read, counted, and refused.
    assert read == [1000, 1000, 1000]
    assert sum(handed) == 2000
    assert "plus the one message, however large" in " ".join(
        str(BodySizeLimitMiddleware.__doc__).split()
    )


# RFC 9112's own sentences on framing errors, as published (rfc9112.xml in
# github.com/httpwg/http-core), by section.
RFC_9112 = {
    "6.1": (
        "A server MAY reject a request that contains both Content-Length and"
        " Transfer-Encoding or process such a request in accordance with the"
        " Transfer-Encoding alone. Regardless, the server MUST close the"
        " connection after responding to such a request to avoid the"
        " potential attacks."
    ),
    "6.3": (
        "If the unrecoverable error is in a request message, the server MUST"
        " respond with a 400 (Bad Request) status code and then close the"
        " connection."
    ),
}
QUOTED_SECTION = re.compile(r'"(?P<quote>[^"]+)" \(section (?P<section>6\.\d)\)')


def test_what_the_page_quotes_from_rfc_9112_is_in_it() -> None:
    quotes = [
        (match["section"], match["quote"])
        for match in QUOTED_SECTION.finditer(prose(PAGE))
    ]

    assert {section for section, _ in quotes} == {"6.1", "6.3"}
    for section, quote in quotes:
        assert quote in RFC_9112[section], (section, quote)


# --8<-- [start:fastapi-limit]
plain_limit_app = FastAPI(max_body_size=2048)


@plain_limit_app.post("/orders")
async def place_order(body: dict[str, str]) -> dict[str, str]:
    return body


async def test_fastapis_own_body_limit_answers_in_plain_text() -> None:
    transport = ASGITransport(app=plain_limit_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        response = await client.post(
            "/orders", content=b"x" * 4096, headers={"Content-Type": "application/json"}
        )

    assert (response.status_code, response.text) == (413, "Content Too Large")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    # --8<-- [end:fastapi-limit]


def test_the_page_gives_the_proxys_timeouts_for_a_stalled_request() -> None:
    nginx_conf = (REPO_ROOT / "snippets" / "nginx.conf").read_text(encoding="utf-8")
    timeouts = {
        directive: re.search(rf"^\s*{directive} (\d+)s;", nginx_conf, re.M)
        for directive in ("client_header_timeout", "client_body_timeout")
    }
    seconds = {m.group(1) for m in timeouts.values() if m}

    assert len(seconds) == 1, timeouts
    assert f"whose header or body stalls for {seconds.pop()} s" in prose(PAGE)
