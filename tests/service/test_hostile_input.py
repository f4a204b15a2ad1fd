"""Specification of the service against input crafted to break it.

Every case must end in a 4xx in the common error body, never a 500, and
must write nothing.
"""

import json
import math
import socket
import time
import unicodedata
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any
from urllib.parse import quote

import pytest
from fastapi import Body, FastAPI, Request
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from shop.core import repeated_names
from shop.core.config import Settings
from shop.core.cors import JsonCORSMiddleware
from shop.core.main import create_app
from shop.core.repeated_names import (
    DUPLICATE_FIELD_MESSAGE,
    DUPLICATE_KEY_MESSAGE,
    repeated_keys,
)
from shop.orders.models import Order
from shop.users.models import User
from shop.users.schemas import canonical_email
from tests.support.server_process import UVICORN, Server, serving
from tests.support.shop_fixtures import (
    PASSWORD,
    ProductFactory,
    assert_error,
    count_rows,
    lifespan_client,
)

NUL = "\x00"
LONE_SURROGATE = "\ud800"


# --8<-- [start:nul-bytes]
def _json(body: dict[str, Any]) -> dict[str, Any]:
    # Escaped as \\u0000 and \\ud800, as any client may send them.
    return {
        "content": json.dumps(body),
        "headers": {"Content-Type": "application/json"},
    }


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
async def test_text_postgresql_cannot_store_is_a_422_everywhere(
    client: AsyncClient,
    alice: dict[str, Any],
    session: AsyncSession,
    bad: str,
) -> None:
    auth = alice["headers"]
    new_user = {"email": "eve@example.com", "name": "Eve", "password": PASSWORD}
    sign_in = (
        f"username=alice{quote(bad, errors='surrogatepass')}%40example.com&password=x"
    )
    responses = {
        "POST /users name": await client.post(
            "/users", **_json(new_user | {"name": f"Eve{bad}"})
        ),
        "PATCH /users/me name": await client.patch(
            "/users/me",
            **_json({"name": f"Alice{bad}"}) | {"headers": auth | _json({})["headers"]},
        ),
        "POST /orders sku": await client.post(
            "/orders",
            content=json.dumps({"items": [{"sku": f"MUG{bad}", "quantity": 1}]}),
            headers=auth | {"Content-Type": "application/json"},
        ),
    }
    if bad == NUL:  # a form is percent-encoded UTF-8: no lone surrogates there
        responses["POST /auth/token username"] = await client.post(
            "/auth/token",
            content=sign_in,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    for where, response in responses.items():
        assert response.status_code == 422, (where, response.text)
        assert_error(response, 422, "validation_error")
    assert await count_rows(session, User) == 1  # alice only
    assert await count_rows(session, Order) == 0


async def test_a_password_is_hashed_as_utf8_so_it_must_be_valid_unicode(
    client: AsyncClient,
) -> None:
    new_user = {"email": "eve@example.com", "name": "Eve"}

    surrogate = await client.post(
        "/users", **_json(new_user | {"password": f"{PASSWORD}{LONE_SURROGATE}"})
    )
    # A NUL byte is fine in a password: it is hashed, never stored as text.
    nul = await client.post(
        "/users", **_json(new_user | {"password": f"{PASSWORD}{NUL}"})
    )

    assert_error(surrogate, 422, "validation_error")
    assert nul.status_code == 201
    # --8<-- [end:nul-bytes]


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
async def test_an_email_postgresql_cannot_store_is_a_422(
    client: AsyncClient, session: AsyncSession, bad: str
) -> None:
    new_user = {"email": f"eve{bad}@example.com", "name": "Eve", "password": PASSWORD}

    response = await client.post("/users", **_json(new_user))

    assert_error(response, 422, "validation_error")
    assert await count_rows(session, User) == 0


async def test_bytes_that_are_not_utf8_in_a_form_are_not_a_500(
    client: AsyncClient,
) -> None:
    response = await client.post(
        "/auth/token",
        content=b"username=%ED%A0%80%FF%40example.com&password=%FF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    # Decoded with replacement characters: an unknown account, nothing more.
    assert_error(response, 401, "unauthorized")


@pytest.mark.usefixtures("alice")
async def test_a_sign_in_form_that_names_a_field_twice_is_a_422_naming_it(
    client: AsyncClient,
) -> None:
    # Read at its last value, this signed alice in for a form whose first
    # username a proxy or an audit log would have taken for the account.
    form = (
        "username=nobody%40example.com&username=alice%40example.com"
        f"&password={quote(PASSWORD)}"
    )
    response = await client.post(
        "/auth/token",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "body.username",
            "message": DUPLICATE_FIELD_MESSAGE,
            "type": "form_duplicate_field",
        }
    ]


async def test_thousands_of_unknown_keys_answer_a_short_422(
    client: AsyncClient, session: AsyncSession
) -> None:
    # Within the body limit, one problem per key: listed in full, a 54 KB
    # body came back as 500 KB, before any authentication.
    unknown = {f"k{number}": 0 for number in range(5000)}
    body = {"email": "eve@example.com", "name": "Eve", **unknown}
    sent = json.dumps(body)

    response = await client.post("/users", **_json(body))

    assert_error(response, 422, "validation_error")
    error = response.json()["error"]
    assert error["message"] == (
        "Request validation failed: 5001 problems, the first 20 listed"
    )
    assert [detail["field"] for detail in error["details"]] == [
        "body.password",
        *(f"body.k{number}" for number in range(19)),
    ]
    assert len(response.content) < len(sent) / 10
    assert await count_rows(session, User) == 0


# --8<-- [start:body-limit]
@pytest.fixture
async def small_limit_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """The app with a 2 KiB body limit (the default is 64 KiB)."""
    app = create_app(settings.model_copy(update={"max_request_body_bytes": 2048}))
    async with lifespan_client(app) as client:
        yield client


async def test_a_body_declared_too_large_is_a_413_before_it_is_read(
    small_limit_client: AsyncClient,
) -> None:
    chunks_read = 0

    async def huge_body() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        for _ in range(10_000):  # 10 MB, if anyone read it all
            chunks_read += 1
            yield b"x" * 1024

    response = await small_limit_client.post(
        "/users",
        content=huge_body(),
        headers={"Content-Type": "application/json", "Content-Length": "10240000"},
    )

    error = assert_error(response, 413, "content_too_large")
    assert error["message"] == "Request body larger than 2048 bytes"
    assert chunks_read <= 1  # the client's first chunk, at most


async def test_a_streamed_body_is_cut_off_at_the_limit(
    small_limit_client: AsyncClient,
) -> None:
    chunks_read = 0

    async def endless_json() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        yield b'{"name": "'
        for _ in range(10_000):
            chunks_read += 1
            yield b"x" * 1024

    # No Content-Length: the body arrives chunked, its size unknown upfront.
    response = await small_limit_client.post(
        "/users", content=endless_json(), headers={"Content-Type": "application/json"}
    )

    assert_error(response, 413, "content_too_large")
    # Reading stopped just past 2 KiB, not at the end of 10 MB.
    assert chunks_read <= 4
    # --8<-- [end:body-limit]


@pytest.mark.parametrize("length", ["-1", "abc", "1e9", "2, 3", ""])
async def test_a_malformed_content_length_is_a_400_that_closes_the_connection(
    small_limit_client: AsyncClient, length: str
) -> None:
    response = await small_limit_client.post(
        "/users", content=b"{}", headers={"Content-Length": length}
    )

    # RFC 9112, section 6.3: an invalid length is a 400, not a 413: the
    # body is not too large, its size is unknown.
    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "Malformed Content-Length"
    assert response.headers["connection"] == "close"


async def test_a_list_of_equal_lengths_is_that_length(
    small_limit_client: AsyncClient,
) -> None:
    response = await small_limit_client.post(
        "/users",
        content=b"{}",
        headers={"Content-Length": "2, 2", "Content-Type": "application/json"},
    )

    assert_error(response, 422, "validation_error")  # read, and validated


async def test_content_length_with_transfer_encoding_is_a_400_that_closes(
    small_limit_client: AsyncClient,
) -> None:
    response = await small_limit_client.post(
        "/users",
        content=b"0\r\n\r\n",
        headers={"Content-Length": "5", "Transfer-Encoding": "chunked"},
    )

    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "Content-Length and Transfer-Encoding together"
    assert response.headers["connection"] == "close"


async def test_a_body_within_the_limit_is_read_as_usual(
    small_limit_client: AsyncClient,
) -> None:
    response = await small_limit_client.post("/users", json={"name": "x" * 1500})

    assert_error(response, 422, "validation_error")


# --- a key named twice -----------------------------------------------------------------

# Bodies written out as text: a dict cannot hold a key twice.
TWO_EMAILS = (
    json.dumps({"email": "ada@example.com", "name": "Ada", "password": PASSWORD})[:-1]
    + ', "email": "eve@example.com"}'
)
ONE_SKU_A_LINE = (
    '{"items": [{"sku": "MUG-BLUE", "quantity": 1}, '
    '{"sku": "TEA-EARL-GREY", "quantity": 1}]}'
)
# The second line names its SKU twice: a parser that keeps the first reads a
# mug, Python's json the tea. The top level names no key twice, so a check of
# it alone finds nothing.
TWO_SKUS_IN_A_LINE = ONE_SKU_A_LINE.replace(
    '{"sku": "TEA-EARL-GREY"', '{"sku": "MUG-BLUE", "sku": "TEA-EARL-GREY"'
)


async def test_a_body_that_names_a_key_twice_is_a_422_naming_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(
        "/users", content=TWO_EMAILS, headers={"Content-Type": "application/json"}
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "body.email",
            "message": DUPLICATE_KEY_MESSAGE,
            "type": "json_duplicate_key",
        }
    ]
    assert await count_rows(session, User) == 0


async def test_a_key_named_twice_deep_in_a_body_is_found_and_its_place_named(
    client: AsyncClient,
    alice: dict[str, Any],
    add_products: ProductFactory,
    session: AsyncSession,
) -> None:
    await add_products({"MUG-BLUE": 1250, "TEA-EARL-GREY": 899})
    headers = alice["headers"] | {"Content-Type": "application/json"}

    twice = await client.post("/orders", content=TWO_SKUS_IN_A_LINE, headers=headers)
    once = await client.post("/orders", content=ONE_SKU_A_LINE, headers=headers)

    error = assert_error(twice, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["body.items.1.sku"]
    # Without the repeat, the same order is placed, each line as written.
    assert once.status_code == 201, once.text
    assert [line["sku"] for line in once.json()["items"]] == [
        "MUG-BLUE",
        "TEA-EARL-GREY",
    ]
    assert await count_rows(session, Order) == 1


async def test_a_repeated_key_in_a_body_of_a_type_the_route_does_not_read_is_a_415(
    client: AsyncClient,
) -> None:
    # FastAPI parses any +json type as JSON: the label is refused first.
    response = await client.post(
        "/users",
        content=TWO_EMAILS,
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "locations"),
    [
        (b'{"a": 1, "b": 2}', []),
        (b'[{"a": 1}, {"a": 2}]', []),
        (b'"a"', []),
        (b'{"a": 1, "b": 2, "a": 3, "b": 4, "a": 5}', [("a",), ("b",)]),
        (b'{"a": {"b": [0, {"c": 1, "c": 2}]}, "d": {"e": 1, "e": 2}}',
         [("a", "b", 1, "c"), ("d", "e")]),
        # The outer repeat is the one named: the inner object lost to it.
        (b'{"a": {"b": 1, "b": 2}, "a": {}}', [("a",)]),
    ],
)  # fmt: skip
def test_repeated_keys_are_named_by_their_place_in_document_order(
    body: bytes, locations: list[tuple[str | int, ...]]
) -> None:
    assert repeated_keys(body) == (locations, len(locations))


def test_a_repeat_as_deep_as_the_parser_goes_is_found_without_recursion() -> None:
    depth = 5_000  # 10 KB of brackets, well within the body limit
    body = b"[" * depth + b'{"a": 1, "a": 2}' + b"]" * depth

    assert repeated_keys(body) == ([(*[0] * depth, "a")], 1)


async def test_a_body_of_a_type_other_than_json_is_not_parsed_as_json() -> None:
    # A route of its own type (text/plain) passes the 415 check: parsing its
    # body as JSON would answer a 500.
    async def note(text: Annotated[str, Body(media_type="text/plain")]) -> str:
        return text

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/notes",
        "headers": [(b"content-type", b"text/plain")],
        "query_string": b"",
        "route": APIRoute("/notes", note, methods=["POST"]),
    }

    async def receive() -> Message:
        raise AssertionError("the body was read")

    await repeated_names.refuse_repeated_names(Request(scope, receive))


# A key repeated at each level of a chain as deep as 64 KiB holds: spelling
# each place whole costs its depth, 15 million names in all.
REPEATED_AT_EVERY_LEVEL = b'{"a":0,"a":' * 5461 + b"0" + b"}" * 5461


@pytest.fixture
def spelt(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | int, ...]]:
    """Each place the check spells out, as it spells it: the work that
    grows with a place's depth."""
    places: list[tuple[str | int, ...]] = []
    spell = repeated_names._spelt

    def counted(way: Any) -> tuple[str | int, ...]:
        places.append(location := spell(way))
        return location

    monkeypatch.setattr(repeated_names, "_spelt", counted)
    return places


def test_only_the_repeats_an_answer_lists_are_spelt_out_the_rest_counted(
    spelt: list[tuple[str | int, ...]],
) -> None:
    located, count = repeated_keys(REPEATED_AT_EVERY_LEVEL, most=20)

    assert count == 5461
    assert located == [("a",) * level for level in range(1, 21)]
    assert len(spelt) == 20


async def test_thousands_of_repeats_answer_a_short_422_with_their_count(
    client: AsyncClient, spelt: list[tuple[str | int, ...]]
) -> None:
    response = await client.post(
        "/users",
        content=REPEATED_AT_EVERY_LEVEL,
        headers={"Content-Type": "application/json"},
    )

    # The service spells out only the places its answer lists.
    assert len(spelt) == 20

    error = assert_error(response, 422, "validation_error")
    assert error["message"].startswith("Request validation failed: 5461 problems")
    assert [detail["field"] for detail in error["details"]] == [
        "body" + ".a" * level for level in range(1, 21)
    ]


# --- CORS on errors -------------------------------------------------------------------


# --8<-- [start:cors-on-errors]
async def test_a_500_still_carries_cors_headers_for_an_allowed_origin(
    app: FastAPI,
) -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken", broken)
    async with lifespan_client(app, raise_app_exceptions=False) as client:
        response = await client.get(
            "/broken", headers={"Origin": "https://shop.example"}
        )

    assert_error(response, 500, "internal_server_error")
    # Without it, the browser hides the 500 and reports a CORS failure.
    assert response.headers["access-control-allow-origin"] == "https://shop.example"


async def test_a_refused_preflight_is_in_the_common_error_body(
    client: AsyncClient,
) -> None:
    response = await client.options(
        "/orders",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
        },
    )

    error = assert_error(response, 400, "cors_rejected")
    assert error["message"] == "Disallowed CORS origin"
    assert response.headers["content-type"] == "application/json"
    # --8<-- [end:cors-on-errors]
    # The policy's headers stay on the refusal; only the body changed.
    assert "Origin" in response.headers["vary"].split(", ")
    assert response.headers["access-control-allow-methods"] == "GET, POST, PATCH"
    assert int(response.headers["content-length"]) == len(response.content)


async def test_an_options_request_that_is_not_a_preflight_keeps_the_apps_answer(
    client: AsyncClient,
) -> None:
    # No Access-Control-Request-Method: CORS passes it to the app, whose 405
    # is not a CORS refusal.
    response = await client.options(
        "/orders", headers={"Origin": "https://evil.example"}
    )

    assert_error(response, 405, "method_not_allowed")


async def test_a_refusal_sent_in_several_body_messages_is_rewritten_whole() -> None:
    async def refuse_in_parts(_scope: Scope, _receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send(
            {"type": "http.response.body", "body": b"Disallowed ", "more_body": True}
        )
        await send({"type": "http.response.body", "body": b"CORS origin"})

    middleware = JsonCORSMiddleware(
        refuse_in_parts,
        allow_origins=[],
        allow_methods=["GET"],
        allow_headers=[],
        expose_headers=[],
    )
    middleware.cors = refuse_in_parts  # stands in for Starlette's refusal
    transport = ASGITransport(app=middleware)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.options(
            "/orders",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "GET",
            },
        )

    error = assert_error(response, 400, "cors_rejected")
    assert error["message"] == "Disallowed CORS origin"


# --- the Host header ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/orders/", None),
        (
            "POST",
            "/users/",
            {"email": "eve@example.com", "name": "Eve", "password": PASSWORD},
        ),
    ],
)
async def test_a_trailing_slash_is_a_404_never_a_redirect_to_the_host_header(
    client: AsyncClient,
    alice: dict[str, Any],
    session: AsyncSession,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    response = await client.request(
        method,
        path,
        json=body,
        headers=alice["headers"] | {"Host": "evil.example"},
    )

    # Starlette's slash redirect would answer 307 Location: http://evil.example/...,
    # and a 307 makes the client send the same POST body, password included,
    # to that host.
    assert_error(response, 404, "not_found")
    assert "location" not in response.headers
    assert await count_rows(session, User) == 1  # alice only


# --- one address, many spellings --------------------------------------------------------


def _full_width(text: str) -> str:
    """``text`` in full-width forms, as East Asian keyboards type it."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def _mathematical_bold(text: str) -> str:
    """``text`` (Latin letters) in MATHEMATICAL BOLD letters, which have no
    case mapping: only NFKC makes the capital one a capital A."""
    return "".join(
        chr(ord(char) - ord("A") + 0x1D400)
        if char.isupper()
        else chr(ord(char) - ord("a") + 0x1D41A)
        for char in text
    )


SPELLINGS = {
    "decomposed accents (NFD)": unicodedata.normalize("NFD", "josé@bücher.example"),
    "full-width domain": "ada@" + _full_width("example.com"),
    "full-width local part": _full_width("Ada") + "@example.com",
    "mathematical letters": _mathematical_bold("Ada") + "@example.com",
    "Punycode domain": "ada@xn--bcher-kva.example",
    "surrounding spaces": "  ada@example.com ",
    "capitals": "Ada@Example.COM",
}
# The same addresses, spelt the plain way.
PLAIN = {
    "decomposed accents (NFD)": "josé@bücher.example",
    "full-width domain": "ada@example.com",
    "full-width local part": "ada@example.com",
    "mathematical letters": "ada@example.com",
    "Punycode domain": "ada@bücher.example",
    "surrounding spaces": "ada@example.com",
    "capitals": "ada@example.com",
}


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
async def test_an_address_signs_in_exactly_as_it_was_registered(
    client: AsyncClient, spelling: str
) -> None:
    registered = await client.post(
        "/users", json={"email": spelling, "name": "Ada", "password": PASSWORD}
    )
    signed_in = await client.post(
        "/auth/token", data={"username": spelling, "password": PASSWORD}
    )

    assert registered.status_code == 201, registered.text
    assert signed_in.status_code == 200, signed_in.text


@pytest.mark.parametrize("kind", SPELLINGS.keys())
async def test_two_spellings_of_one_address_are_one_account(
    client: AsyncClient, session: AsyncSession, kind: str
) -> None:
    first = await client.post(
        "/users", json={"email": PLAIN[kind], "name": "Ada", "password": PASSWORD}
    )
    second = await client.post(
        "/users", json={"email": SPELLINGS[kind], "name": "Eve", "password": PASSWORD}
    )
    # And either spelling signs in to it.
    signed_in = await client.post(
        "/auth/token", data={"username": SPELLINGS[kind], "password": PASSWORD}
    )

    assert first.status_code == 201
    assert_error(second, 409, "conflict")
    assert signed_in.status_code == 200
    assert await count_rows(session, User) == 1


async def test_an_address_whose_folding_is_not_one_is_refused_by_both_forms(
    client: AsyncClient, session: AsyncSession
) -> None:
    # U+FE6B SMALL COMMERCIAL AT is a valid local-part character as typed,
    # and folds (NFKC) to "@": a@b@example.com, which is no address.
    small_at = "ada\ufe6bbob@example.com"

    registered = await client.post(
        "/users", json={"email": small_at, "name": "Ada", "password": PASSWORD}
    )
    signed_in = await client.post(
        "/auth/token", data={"username": small_at, "password": PASSWORD}
    )

    error = assert_error(registered, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["body.email"]
    assert_error(signed_in, 401, "unauthorized")
    assert await count_rows(session, User) == 0


# Local parts from the scripts and forms people type and paste: Latin with
# accents, full-width and mathematical letters, modifier letters, ligatures,
# Greek, Cyrillic, Turkish dotted capitals, combining marks.
LOCAL_PART_LETTERS = st.characters(
    codec="utf-8",
    categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Nd"),
    max_codepoint=0x1FFFF,
)


@hypothesis_settings(max_examples=300, deadline=None, derandomize=True)
@given(local_part=st.text(LOCAL_PART_LETTERS, min_size=1, max_size=12))
def test_every_canonical_email_passes_the_tables_checks(local_part: str) -> None:
    """Whatever canonical_email returns, the users table takes: lower-case
    (ck_users_email_lowercase) and NFKC (ck_users_email_nfkc). An address
    it refuses is a 422; one it returns that the table refused would be a
    500 at registration."""
    try:
        email = canonical_email(f"{local_part}@example.com")
    except PydanticCustomError:
        return
    assert email == email.lower(), email
    assert unicodedata.is_normalized("NFKC", email), email


@pytest.mark.parametrize(
    "spelling",
    [
        unicodedata.normalize("NFD", "josé@example.com"),  # decomposed
        "\uff41\uff44\uff41@example.com",  # full-width "ada"
    ],
    ids=["decomposed", "full-width"],
)
async def test_the_database_refuses_an_address_in_another_unicode_form(
    session: AsyncSession, spelling: str
) -> None:
    session.add(User(email=spelling, name="Ada", password_hash="unused"))  # noqa: S106  # pragma: allowlist secret

    with pytest.raises(IntegrityError, match=r"ck_users_email_nfk?c"):
        await session.flush()


# --- framing, as the real server parses it ----------------------------------------------

# Longer than any wait below: a connection closed sooner was closed on purpose.
KEEP_ALIVE_SECONDS = 30
CLOSE_GUARD_SECONDS = 10


@pytest.fixture(scope="module")
def server(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The service under uvicorn, as deployed; nothing below writes a row."""
    argv = [*UVICORN, "--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)]
    with serving(settings, tmp_path_factory.mktemp("server"), argv) as server:
        yield server


def _exchange(port: int, request: bytes) -> tuple[bytes, float]:
    """Send ``request`` raw; return what came back and when the server closed.

    A connection still open after ``CLOSE_GUARD_SECONDS`` closed "never"
    (infinity), for the test to assert on rather than crash.
    """
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(CLOSE_GUARD_SECONDS)
        connection.sendall(request)
        started = time.monotonic()
        received = b""
        try:
            while chunk := connection.recv(65536):  # b"" once the server closes
                received += chunk
        except TimeoutError:
            return received, math.inf
        return received, time.monotonic() - started


# --8<-- [start:smuggling]
def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(
    server: Server,
) -> None:
    # Which of the two headers frames the body? A proxy and the server that
    # disagree see two different requests: the pattern of request smuggling.
    smuggled = (
        b"POST /users HTTP/1.1\r\nHost: shop.example\r\n"
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /users/me HTTP/1.1\r\nHost: shop.example\r\n\r\n"
    )

    received, closed_after = _exchange(server.port, smuggled)

    status_line, _, rest = received.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert b"Content-Length and Transfer-Encoding together" in rest
    # RFC 9112, section 6.1: closed after the answer, not kept alive for
    # whatever the rest of the bytes were. One response only.
    assert closed_after < KEEP_ALIVE_SECONDS
    assert received.count(b"HTTP/1.1 ") == 1
    # --8<-- [end:smuggling]


def test_uvicorn_sends_a_head_response_without_the_body(server: Server) -> None:
    received, _ = _exchange(
        server.port,
        b"HEAD /health/live HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n",
    )

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"content-length: 15" in head.lower()  # the GET's {"status":"ok"}
    assert body == b""
