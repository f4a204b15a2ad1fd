"""Specification of the opaque cursor and of ETag matching."""

import pytest

from shop.shared.http_cache import matches_if_none_match, strong_etag
from shop.shared.pagination import MAX_ID, decode_cursor, encode_cursor


@pytest.mark.parametrize("after_id", [0, 1, 41, MAX_ID])
def test_a_cursor_decodes_to_the_id_it_was_made_from(after_id: int) -> None:
    assert decode_cursor(encode_cursor(after_id)) == after_id


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = encode_cursor(123456789)

    assert cursor.replace("-", "").replace("_", "").isalnum()
    assert not cursor.endswith("=")


@pytest.mark.parametrize(
    "cursor",
    [
        None,
        17,
        "",
        "x" * 201,
        "@@@@",
        "_w",  # valid base64, not UTF-8
        "bm90IGpzb24",  # "not json"
        "WzFd",  # [1]
        "eyJ2IjogMiwgImFmdGVyIjogMX0",  # {"v": 2, "after": 1}
        "eyJ2IjogMSwgImFmdGVyIjogIjEifQ",  # {"v": 1, "after": "1"}
        "eyJ2IjogMSwgImFmdGVyIjogdHJ1ZX0",  # {"v": 1, "after": true}
        "eyJ2IjogMSwgImFmdGVyIjogLTF9",  # {"v": 1, "after": -1}
        encode_cursor(MAX_ID + 1),
    ],
)
def test_anything_else_is_a_malformed_cursor(cursor: object) -> None:
    with pytest.raises(ValueError, match="malformed cursor"):
        decode_cursor(cursor)


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
        ('"abcd"', False),
        ("", False),
    ],
)
def test_if_none_match_uses_weak_comparison(header: str | None, matches: bool) -> None:
    assert matches_if_none_match(header, '"abc"') is matches
