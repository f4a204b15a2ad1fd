"""422 for a JSON body in which one object names a key twice, or a form
that names a field twice.

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
from fastapi.params import Body, Form
from fastapi.routing import APIRoute

from shop.core.errors import MAX_ERROR_DETAILS

# A body location: keys of objects and indexes of arrays, from the top.
Location = tuple[str | int, ...]

TYPE = "json_duplicate_key"
DUPLICATE_FIELD_MESSAGE = (
    "Each field may appear once in a form: readers disagree on which value "
    "of a repeated one counts"
)
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


def repeated_keys(body: bytes, most: int | None = None) -> tuple[list[Location], int]:
    """Where ``body``, a JSON document, repeats a key, and how many times.

    The locations of the first ``most`` repeats (all, for ``None``), one
    per key, in document order; and the count of all of them. Spelling a
    location costs its depth: a body that repeats a key at each of its
    thousands of levels would cost the square of that to spell whole, for
    an answer that lists twenty.

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
        return [], 0
    found: list[Location] = []
    count = 0
    # Each container with the way to it, as (way to its parent, its key):
    # a location is spelt out only for a repeat, so a deep document costs
    # no copy of its path per container.
    pending: list[tuple[_Way, Any]] = [(None, document)]
    while pending:
        way, value = pending.pop()
        if isinstance(value, _Repeats):
            count += len(value.repeated)
            for key in value.repeated[: None if most is None else most - len(found)]:
                found.append((*_spelt(way), key))
        children = value.items() if isinstance(value, dict) else enumerate(value)
        nested = [
            ((way, name), item)
            for name, item in children
            if isinstance(item, dict | list)
        ]
        pending.extend(reversed(nested))  # popped in the order written
    return found, count


async def refuse_repeated_names(request: Request) -> None:
    """Refuse with a 422 a JSON body that repeats a key, or a form that
    repeats a field, naming each one.

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
    bounds.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    field = route.body_field.field_info
    if isinstance(field, Form):
        # Parsed by FastAPI already, and kept: the stream itself is gone.
        fields = Counter(name for name, _ in (await request.form()).multi_items())
        repeated = [name for name, times in fields.items() if times > 1]
        if repeated:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", name),
                        "msg": DUPLICATE_FIELD_MESSAGE,
                        "type": "form_duplicate_field",
                    }
                    for name in repeated
                ]
            )
        return
    if isinstance(field, Body) and field.media_type != "application/json":
        return  # a type of its own, which no JSON parser reads
    body = await request.body()
    if not body:
        return  # no body: validation's 422 says what is missing
    located, count = repeated_keys(body, most=MAX_ERROR_DETAILS)
    if not count:
        return
    errors = [
        {"loc": ("body", *location), "msg": DUPLICATE_KEY_MESSAGE, "type": TYPE}
        for location in located
    ]
    # The answer lists MAX_ERROR_DETAILS and counts the rest: they are
    # counted here too, unlocated, so the count it gives is the body's.
    unlocated = {"loc": ("body",), "msg": DUPLICATE_KEY_MESSAGE, "type": TYPE}
    raise RequestValidationError(errors + [unlocated] * (count - len(located)))
