"""Opaque cursor pagination for list endpoints.

Clients get a ``next_cursor`` string and send it back unchanged. Keeping it
opaque (base64 of a small JSON document) lets the server change what the
cursor holds later without breaking anyone who never parsed it.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Protocol

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

_CURSOR_VERSION = 1
# Upper bound of a PostgreSQL BIGINT: a larger id would make the database,
# not the validation layer, reject the request.
MAX_ID = 2**63 - 1


# --8<-- [start:cursor-codec]
def encode_cursor(after_id: int) -> str:
    """Return the opaque cursor that resumes a listing after ``after_id``."""
    document = json.dumps({"v": _CURSOR_VERSION, "after": after_id}).encode()
    return base64.urlsafe_b64encode(document).decode().rstrip("=")


def decode_cursor(cursor: object) -> int:
    """Return the id a cursor points after.

    Raises ``ValueError`` for anything ``encode_cursor`` did not produce, so
    FastAPI reports it as an ordinary 422 validation error.
    """
    if not isinstance(cursor, str) or not cursor or len(cursor) > 200:
        raise ValueError("malformed cursor")
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        document = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
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


# --8<-- [start:page]
Cursor = Annotated[
    int,
    BeforeValidator(decode_cursor),
    WithJsonSchema(
        {"type": "string", "description": "`next_cursor` of the previous page."}
    ),
]
"""Query parameter type: the client sends a cursor string, handlers get an id."""

Limit = Annotated[int, Field(ge=1, le=100)]
"""Page size accepted by every list endpoint."""


class HasId(Protocol):
    """Anything listed by id: the cursor remembers the last id seen."""

    id: int


class Page[ItemT](BaseModel):
    """One page of a listing; ``next_cursor`` is null on the last page."""

    items: list[ItemT]
    next_cursor: str | None


def paginate[RowT: HasId](
    rows: Sequence[RowT], limit: int
) -> tuple[list[RowT], str | None]:
    """Split ``limit + 1`` fetched rows into a page and the cursor of the next one.

    Fetching one extra row tells whether another page exists without a
    separate ``COUNT`` query.
    """
    if len(rows) > limit:
        page = list(rows[:limit])
        return page, encode_cursor(page[-1].id)
    return list(rows), None
    # --8<-- [end:page]
