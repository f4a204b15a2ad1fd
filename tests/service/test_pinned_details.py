"""Specification of the details a client or an operator relies on, exactly.

Mutation testing (``task mutation``) showed that the other specifications
accept a changed error message, a default page size of 21, an ETag one hex
digit longer, or a token for user 0: each test below pins one such detail
to its exact value, so changing it is a visible decision.
"""

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import SecretStr, TypeAdapter

from shop.core.config import Settings
from shop.core.errors import error_code
from shop.core.main import create_app
from shop.shared.base_model import MAX_ID
from shop.shared.exceptions import DomainError, UnauthorizedError
from shop.shared.http_cache import matches_if_none_match, strong_etag
from shop.shared.pagination import CursorCodec, cursor_key
from shop.shared.text import DISPLAY_TEXT_PATTERN, DisplayName
from shop.users.security import ALGORITHM, create_access_token, read_access_token
from tests.support.shop_fixtures import (
    PASSWORD,
    ProductFactory,
    assert_error,
    lifespan_client,
    running,
)

codec = CursorCodec(cursor_key(b"a key only the server knows"))
LISTING = "/products"
SECRET = SecretStr("k" * 48)


def _token(claims: dict[str, Any]) -> str:
    return jwt.encode(
        {"iat": 1, "exp": 4_000_000_000, "ver": 0} | claims,
        SECRET.get_secret_value(),
        algorithm=ALGORITHM,
    )


def _payload(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


# --- cursors -----------------------------------------------------------------


def test_every_cursor_round_trips_and_has_a_22_character_signature() -> None:
    for after_id in [*range(2_000), MAX_ID - 1, MAX_ID]:
        cursor = codec.encode(after_id, listing=LISTING)
        assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", cursor), cursor
        assert codec.decode(cursor, listing=LISTING) == after_id


def test_a_signed_payload_is_read_with_the_url_safe_alphabet() -> None:
    payload = _payload({"v": 1, "after": 7, "note": "~~~"})
    assert "-" in payload  # "~~~" encodes to a URL-safe-only character

    assert (
        codec.decode(f"{payload}.{codec._signature(payload, LISTING)}", listing=LISTING)
        == 7
    )


# Four of them keep the padding right: a lenient decoder would skip them and
# read the same document.
@pytest.mark.parametrize("outside", ["!", "!!!!"])
def test_a_signed_payload_with_a_character_outside_base64_is_refused(
    outside: str,
) -> None:
    payload = _payload({"v": 1, "after": 7})
    junk = payload[:4] + outside + payload[4:]

    with pytest.raises(ValueError, match=r"^malformed cursor$"):
        codec.decode(f"{junk}.{codec._signature(junk, LISTING)}", listing=LISTING)


@pytest.mark.parametrize(
    "document",
    [{"v": 2, "after": 1}, {"v": 1, "after": -1}, [1]],
    ids=["version", "negative", "not-an-object"],
)
def test_a_cursor_is_refused_with_exactly_one_message(document: Any) -> None:
    payload = _payload(document)

    with pytest.raises(ValueError, match=r"^malformed cursor$"):
        codec.decode(f"{payload}.{codec._signature(payload, LISTING)}", listing=LISTING)
    with pytest.raises(ValueError, match=r"^malformed cursor$"):
        codec.decode(f"{payload}.{'A' * 22}", listing=LISTING)
    with pytest.raises(ValueError, match=r"^malformed cursor$"):
        codec.decode(
            "bm90IGpzb24." + codec._signature("bm90IGpzb24", LISTING), listing=LISTING
        )


async def test_a_foreign_cursor_is_a_422_naming_the_query_parameter(
    client: AsyncClient,
) -> None:
    forged = CursorCodec(cursor_key(b"another deployment")).encode(1, listing=LISTING)

    response = await client.get("/products", params={"cursor": forged})

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "query.cursor", "message": "malformed cursor", "type": "value_error"}
    ]


async def test_a_listing_pages_twenty_items_by_default(
    client: AsyncClient, add_products: ProductFactory
) -> None:
    await add_products({f"SKU-{n:02}": 100 for n in range(21)})

    first = (await client.get("/products")).json()
    rest = await client.get("/products", params={"cursor": first["next_cursor"]})

    assert len(first["items"]) == 20
    assert [p["sku"] for p in rest.json()["items"]] == ["SKU-20"]
    assert rest.json()["next_cursor"] is None


# --- ETags -------------------------------------------------------------------


def test_a_strong_etag_is_32_hex_digits_in_quotes() -> None:
    assert re.fullmatch(r'"[0-9a-f]{32}"', strong_etag(b'{"id": 1}'))


def test_if_none_match_candidates_may_be_listed_without_spaces() -> None:
    assert matches_if_none_match(['"x","abc"'], '"abc"')
    assert matches_if_none_match(['W/"x",W/"abc"'], '"abc"')
    assert not matches_if_none_match(['"x","y"'], '"abc"')


def test_if_none_match_lines_are_one_list() -> None:
    assert matches_if_none_match(['"x"', '"abc"'], '"abc"')
    assert matches_if_none_match(['"abc"', '"x"'], '"abc"')
    assert not matches_if_none_match(['"x"', '"y"'], '"abc"')
    assert not matches_if_none_match([], '"abc"')


# --- tokens ------------------------------------------------------------------


@pytest.mark.parametrize("user_id", [1, MAX_ID])
def test_a_token_for_the_first_or_the_last_possible_id_is_accepted(
    user_id: int,
) -> None:
    token = _token({"sub": str(user_id)})

    assert read_access_token(token, secret=SECRET) == (user_id, 0)


@pytest.fixture
def server_clock_in_los_angeles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone 7 to 8 hours behind UTC, as on a laptop."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_clock_in_los_angeles")
def test_a_token_made_off_utc_is_dated_in_utc_and_reads_back() -> None:
    # A naive local time would be read as UTC: 7 to 8 hours in the past,
    # so a token would expire before it was issued.
    token = create_access_token(
        41, token_version=0, secret=SECRET, lifetime=timedelta(minutes=30)
    )

    claims = jwt.decode(token, SECRET.get_secret_value(), algorithms=[ALGORITHM])
    assert abs(claims["iat"] - time.time()) < 60
    assert read_access_token(token, secret=SECRET) == (41, 0)


@pytest.mark.parametrize("user_id", [0, MAX_ID + 1])
def test_a_token_for_an_id_outside_the_bigint_range_is_refused(user_id: int) -> None:
    token = _token({"sub": str(user_id)})

    with pytest.raises(UnauthorizedError) as refused:
        read_access_token(token, secret=SECRET)
    assert refused.value.message == "Invalid or expired token"


async def test_an_invalid_token_is_a_401_with_the_one_message(
    client: AsyncClient,
) -> None:
    response = await client.get(
        "/users/me", headers={"Authorization": "Bearer not.a.token"}
    )

    error = assert_error(response, 401, "unauthorized")
    assert error["message"] == "Invalid or expired token"


async def test_a_revoked_token_is_a_401_with_the_same_message(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    # Validly signed, but a password change since has revoked it: refused
    # against the row, in the same words as a forged or expired one.
    fresh = "a brand new passphrase"  # pragma: allowlist secret
    change = {"password": fresh, "current_password": PASSWORD}
    changed = await client.patch("/users/me", headers=alice["headers"], json=change)
    assert changed.status_code == 200, changed.text

    response = await client.get("/users/me", headers=alice["headers"])

    error = assert_error(response, 401, "unauthorized")
    assert error["message"] == "Invalid or expired token"


# --- error bodies and the error log ------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"), [(404, "not_found"), (418, "http_418"), (599, "http_599")]
)
def test_a_status_outside_the_table_gets_a_code_made_from_its_number(
    status: int, code: str
) -> None:
    assert error_code(status) == code


async def test_an_unencodable_password_is_refused_with_a_readable_reason(
    client: AsyncClient,
) -> None:
    # A JSON escape carries the lone surrogate; Python decodes it into the str.
    body = json.dumps(
        {"email": "ada@example.com", "name": "Ada", "password": "x" * 12 + "\ud800"}
    )
    response = await client.post(
        "/users", content=body, headers={"Content-Type": "application/json"}
    )

    error = assert_error(response, 422, "validation_error")
    assert [(d["field"], d["message"]) for d in error["details"]] == [
        ("body.password", "Value error, must be valid Unicode text")
    ]


async def test_an_unhandled_error_is_logged_once_with_method_and_path(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app: FastAPI = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    capsys.readouterr()
    async with lifespan_client(app) as client:
        response = await client.get("/boom")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert_error(response, 500, "internal_server_error")
    (logged,) = [line for line in lines if line["level"] == "ERROR"]
    assert logged["message"] == "unhandled error"
    assert (logged["method"], logged["path"]) == ("GET", "/boom")
    assert "RuntimeError: secret detail" in logged["exception"]


def test_the_cursor_key_is_derived_under_a_fixed_label() -> None:
    # Changing the label would invalidate every cursor a client holds.
    assert (
        cursor_key(b"secret").hex()
        == (
            "cf9a0181b3ffb4d9f7f9a008bced9e8244d4344e6c8e765ce479bd05b78d20f5"  # pragma: allowlist secret
        )
    )


async def test_only_a_401_asks_for_bearer_credentials(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    missing = await client.get("/orders/999999", headers=alice["headers"])
    refused = await client.get("/users/me")

    assert_error(missing, 404, "not_found")
    assert "www-authenticate" not in missing.headers
    assert_error(refused, 401, "unauthorized")
    assert refused.headers["www-authenticate"] == "Bearer"


async def test_error_messages_of_the_framework_are_fixed(client: AsyncClient) -> None:
    invalid = await client.post("/users", json={})
    unknown = await client.get("/no-such-path")

    assert assert_error(invalid, 422, "validation_error")["message"] == (
        "Request validation failed"
    )
    assert assert_error(unknown, 404, "not_found")["message"] == "Not Found"


async def test_a_domain_error_without_a_status_is_a_500(settings: Settings) -> None:
    class UnmappedError(DomainError):
        pass

    app = create_app(settings)

    @app.get("/unmapped")
    async def unmapped() -> None:
        raise UnmappedError("a rule nobody mapped to a status")

    async with lifespan_client(app) as client:
        response = await client.get("/unmapped")

    assert_error(response, 500, "internal_server_error")


async def test_the_lifespan_passes_through_every_middleware(settings: Settings) -> None:
    app = create_app(settings)

    async with running(app) as served:
        assert served.state["engine"] is not None


# --- text --------------------------------------------------------------------


def test_a_display_name_documents_each_bound_it_enforces() -> None:
    # The pattern alone already refuses "": the schema must still say
    # minLength 1, or a client generated from it learns a weaker contract.
    schema = TypeAdapter(DisplayName).json_schema()

    assert schema == {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "pattern": DISPLAY_TEXT_PATTERN,
    }
