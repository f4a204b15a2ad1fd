"""Signed, opaque cursor pagination for list endpoints.

Clients get a ``next_cursor`` string and send it back unchanged. The cursor
is base64 of a small JSON document plus an HMAC of it, so the server can
change what a cursor holds without breaking anyone who never parsed it, and
a cursor the server did not issue (hand-made, edited, or from another
deployment's key) is refused instead of being trusted. The signature also
covers the listing the cursor was issued for, so one listing's cursor is
refused by another.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, WithJsonSchema

from shop.shared.base_model import MAX_ID
from shop.shared.state import lifespan_resource
from shop.shared.url_params import one_spelling

_CURSOR_VERSION = 1
MAX_LIMIT = 100
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,100}\.[A-Za-z0-9_-]{22}$"
# An OpenAPI format of our own: "a cursor this API issued". The pattern is
# necessary, not sufficient, and API fuzzers need to know that.
CURSOR_FORMAT = "shop-cursor"
# One page, one URL: ?limit=010, ?limit=1_0 or ?limit=10.0 is a 422, as an id
# in a path is (shared/url_params.py says why Query() comes first).
PageSize = Annotated[int, Query(ge=1, le=MAX_LIMIT), BeforeValidator(one_spelling)]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(
        text + "=" * (-len(text) % 4), altchars=b"-_", validate=True
    )


# --8<-- [start:cursor-codec]
class CursorCodec:
    """Makes and checks cursors, signed with a key only the server knows."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, payload: str, listing: str) -> str:
        # Base64url holds no newline: the two parts cannot run into each other.
        signed = "\n".join((listing, payload)).encode()
        digest = hmac.new(self._key, signed, hashlib.sha256).digest()
        return _b64encode(digest[:16])

    def encode(self, after_id: int, *, listing: str) -> str:
        """Return the cursor that resumes ``listing`` after ``after_id``."""
        document = json.dumps({"v": _CURSOR_VERSION, "after": after_id})
        payload = _b64encode(document.encode())
        return f"{payload}.{self._signature(payload, listing)}"

    def decode(self, cursor: str, *, listing: str) -> int:
        """Return the id a cursor of ``listing`` points after.

        Raises ``ValueError`` for anything ``encode`` did not produce with
        this key for this listing: the signature is checked, as bytes (a
        non-ASCII str would be a TypeError), before the payload is parsed.
        """
        payload, _, signature = cursor.partition(".")
        expected = self._signature(payload, listing).encode()
        if not hmac.compare_digest(signature.encode(), expected):
            raise ValueError("malformed cursor")
        try:
            document = json.loads(_b64decode(payload))
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("malformed cursor") from None
        if not isinstance(document, dict) or document.get("v") != _CURSOR_VERSION:
            raise ValueError("malformed cursor")
        after = document.get("after")
        # bool is an int subclass; `true` is not an id.
        if type(after) is not int or not 0 <= after <= MAX_ID:
            raise ValueError("malformed cursor")
        return after
        # --8<-- [end:cursor-codec]


def cursor_key(secret: bytes) -> bytes:
    """The cursor-signing key, derived from the app's secret for this use only."""
    return hmac.new(secret, b"shop pagination cursor", hashlib.sha256).digest()


class HasId(Protocol):
    """Anything listed by id: the cursor remembers the last id seen."""

    id: int


# --8<-- [start:page]
class Page[ItemT](BaseModel):
    """One page of a listing; ``next_cursor`` is null on the last page."""

    items: list[ItemT]
    next_cursor: str | None


# --8<-- [start:lead-split]
@dataclass(frozen=True)
class PageRequest:
    """Where a list request starts, how much it wants, and how to answer it."""

    codec: CursorCodec
    listing: str
    after_id: int
    limit: int

    def split[RowT: HasId](self, rows: Sequence[RowT]) -> tuple[list[RowT], str | None]:
        """Split ``limit + 1`` fetched rows into a page and the next page's cursor.

        Fetching one extra row tells whether another page exists without a
        separate ``COUNT`` query.
        """
        if len(rows) > self.limit:
            page = list(rows[: self.limit])
            return page, self.codec.encode(page[-1].id, listing=self.listing)
        return list(rows), None
        # --8<-- [end:lead-split]


async def page_request(
    request: Request,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN),
        # Documented as what it is: an optional string, in our own format.
        WithJsonSchema(
            {
                "type": "string",
                "pattern": CURSOR_PATTERN,
                "format": CURSOR_FORMAT,
                "description": "`next_cursor` of the previous page, unchanged.",
            }
        ),
    ] = None,
    limit: PageSize = 20,
) -> PageRequest:
    """Dependency: the page a list endpoint was asked for.

    A cursor resumes the listing it came from, the route's template ("/orders");
    one this server did not sign for this listing is a 422, like any bad parameter.
    """
    codec = lifespan_resource(request.scope, "cursor_codec", CursorCodec)
    listing = request.scope["route"].path
    after_id = 0
    if cursor is not None:
        try:
            after_id = codec.decode(cursor, listing=listing)
        except ValueError as error:
            raise RequestValidationError(
                [
                    {
                        "loc": ("query", "cursor"),
                        "msg": str(error),
                        "type": "value_error",
                    }
                ]
            ) from None
    return PageRequest(codec, listing, after_id, limit)
    # --8<-- [end:page]
