"""Specification of the signed opaque cursor and of ETag matching."""

import base64
import json

import pytest

from shop.shared.base_model import MAX_ID
from shop.shared.http_cache import matches_if_none_match, strong_etag
from shop.shared.pagination import CursorCodec, cursor_key

codec = CursorCodec(cursor_key(b"a key only the server knows"))
# The route template a cursor is issued for, as page_request names it.
LISTING = "/orders"


def _unsigned(document: object) -> str:
    """A cursor as a client could forge it: valid base64 JSON, no valid signature."""
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.mark.parametrize("after_id", [0, 1, 41, MAX_ID])
def test_a_cursor_decodes_to_the_id_it_was_made_from(after_id: int) -> None:
    assert (
        codec.decode(codec.encode(after_id, listing=LISTING), listing=LISTING)
        == after_id
    )


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = codec.encode(123456789, listing=LISTING)

    assert cursor.replace("-", "").replace("_", "").replace(".", "").isalnum()
    assert not cursor.endswith("=")


# --8<-- [start:forged-cursors]
def test_a_hand_made_cursor_is_refused_even_when_well_formed() -> None:
    forged = _unsigned({"v": 1, "after": 41})
    _, signature = codec.encode(41, listing=LISTING).split(".")

    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(forged, listing=LISTING)
    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(forged + "." + signature[::-1], listing=LISTING)


def test_an_edited_cursor_is_refused() -> None:
    _, signature = codec.encode(41, listing=LISTING).split(".")
    edited = _unsigned({"v": 1, "after": 0})

    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(f"{edited}.{signature}", listing=LISTING)


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    other = CursorCodec(cursor_key(b"another deployment's key"))

    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(other.encode(41, listing=LISTING), listing=LISTING)
    # --8<-- [end:forged-cursors]


def test_a_cursor_issued_for_another_listing_is_refused() -> None:
    products_cursor = codec.encode(41, listing="/products")

    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(products_cursor, listing="/orders")


def _signed(payload: str) -> str:
    """A cursor whose signature is right but whose payload is not one of ours."""
    return f"{payload}.{codec._signature(payload, LISTING)}"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "@@@@",
        "_w",  # valid base64, not UTF-8
        _unsigned("not json")[:-2] + "x",
        _unsigned([1]),
        _unsigned({"v": 2, "after": 1}),
        _unsigned({"v": 1, "after": "1"}),
        _unsigned({"v": 1, "after": True}),
        _unsigned({"v": 1, "after": -1}),
        _unsigned({"v": 1, "after": MAX_ID + 1}),
    ],
)
def test_a_signed_payload_that_is_not_a_cursor_document_is_refused(
    payload: str,
) -> None:
    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(_signed(payload), listing=LISTING)


@pytest.mark.parametrize(
    "cursor",
    # The query's pattern keeps non-ASCII out of the API; the codec refuses
    # it by itself too, wherever else a cursor comes from.
    ["", ".", "abc", "abc.", ".abc", "a.b.c", "abc.é", "é.abc", "\uff41\uff42.\uff43"],
)
def test_anything_without_a_valid_signature_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError, match="malformed cursor"):
        codec.decode(cursor, listing=LISTING)


def test_the_cursor_key_is_derived_not_the_app_secret_itself() -> None:
    assert cursor_key(b"secret") != b"secret"
    assert cursor_key(b"secret") == cursor_key(b"secret")
    assert cursor_key(b"secret") != cursor_key(b"other secret")


def test_equal_bodies_have_equal_strong_etags_and_different_bodies_do_not() -> None:
    assert strong_etag(b'{"id": 1}') == strong_etag(b'{"id": 1}')
    assert strong_etag(b'{"id": 1}') != strong_etag(b'{"id": 2}')
    assert not strong_etag(b"").startswith("W/")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ("W/*", False),
        ('"abcd"', False),
        ("", False),
    ],
)
def test_if_none_match_uses_weak_comparison(header: str | None, matches: bool) -> None:
    lines = None if header is None else [header]
    assert matches_if_none_match(lines, '"abc"') is matches
