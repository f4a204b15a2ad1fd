"""422 for a JSON body in which one object names a key twice.

RFC 8259 says the names in an object SHOULD be unique and leaves the
meaning of a repeated one to each parser. Python's ``json`` keeps the last
value; a proxy, a WAF or an audit log that keeps the first sees another
request than the one the service acts on.
"""

import json
from collections import Counter
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.routing import APIRoute

# A body location: keys of objects and indexes of arrays, from the top.
Location = tuple[str | int, ...]

DUPLICATE_KEY_MESSAGE = (
    "Each key may appear once in a JSON object: parsers disagree on which "
    "value of a repeated one counts"
)


class _Repeats(dict[str, Any]):
    """A parsed JSON object, with the keys that it named more than once."""

    def __init__(self, pairs: list[tuple[str, Any]], repeated: list[str]) -> None:
        super().__init__(pairs)
        self.repeated = repeated


# The way from the top of a document to a value: None, or (way to its parent, key).
_Way = tuple["_Way", str | int] | None


def _spelt(way: _Way) -> Location:
    names: list[str | int] = []
    while way is not None:
        way, name = way
        names.append(name)
    return tuple(reversed(names))


def repeated_keys(body: bytes) -> list[Location]:
    """Where ``body``, a JSON document, repeats a key: one location per key.

    ``json.loads`` builds each object from the pairs in the order they were
    written, the innermost first, so a pair hook sees every object of any
    depth but not where it lies; an object that repeats a key is marked,
    and only then is the document walked to find the marks. The walk keeps
    its own stack: a document nested as deep as the parser allows (some
    thousands of levels in a 64 KiB body) must not exhaust Python's.
    """
    marked = False

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal marked
        built = dict(pairs)
        if len(built) == len(pairs):
            return built
        marked = True
        counts = Counter(key for key, _ in pairs)
        return _Repeats(pairs, [key for key, count in counts.items() if count > 1])

    document = json.loads(body, object_pairs_hook=build)
    if not marked:
        return []
    found: list[Location] = []
    # Each container with the way to it, as (way to its parent, its key):
    # a location is spelt out only for a repeat, so a deep document costs
    # no copy of its path per container.
    pending: list[tuple[_Way, Any]] = [(None, document)]
    while pending:
        way, value = pending.pop()
        if isinstance(value, _Repeats):
            found.extend((*_spelt(way), key) for key in value.repeated)
        children = value.items() if isinstance(value, dict) else enumerate(value)
        nested = [
            ((way, name), item)
            for name, item in children
            if isinstance(item, dict | list)
        ]
        pending.extend(reversed(nested))  # popped in the order written
    return found


async def unique_json_keys(request: Request) -> None:
    """Refuse with a 422 a JSON body that repeats a key, naming each one.

    A dependency of every router, after ``body_media_type``, rather than a
    route class, a ``Request`` subclass or a middleware. FastAPI has read
    the body by then, once, through the size limit, and parsed it as JSON
    (or answered 422 for malformed JSON), and the media-type check has
    refused any other type with a 415: this reads the bytes FastAPI keeps
    and judges only a body FastAPI parsed as JSON. A route class has to be
    set on each router, and an error raised from a ``Request`` subclass's
    ``json()`` reaches the client as FastAPI's 400 or its ``json_invalid``
    at a character offset, without the key. A middleware would read and
    buffer the body itself, ahead of FastAPI, and parse it for routes that
    read no JSON. The price is a second parse of a body the size limit
    bounds: about a millisecond for 64 KiB of small objects.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    if isinstance(route.body_field.field_info, Form):
        return  # parsed as a form, whose stream is read and gone
    body = await request.body()
    if not body:
        return  # no body: validation's 422 says what is missing
    errors = [
        {
            "loc": ("body", *location),
            "msg": DUPLICATE_KEY_MESSAGE,
            "type": "json_duplicate_key",
        }
        for location in repeated_keys(body)
    ]
    if errors:
        raise RequestValidationError(errors)
