"""Evidence for SEC-INPUT: inputs are validated to what the service can store.

Each test reproduces a claim docs/principles/security/input-validation.md
makes, against a real PostgreSQL and the service's published JSON Schema.
"""

import re

import pytest
from claims_support import prose
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from handbook.docs_tree import DOCS_DIR
from shop.shared.text import DISPLAY_TEXT_PATTERN

PAGE = DOCS_DIR / "principles" / "security" / "input-validation.md"


@pytest.mark.parametrize(
    ("bad", "refusal"),
    [
        ("\x00", 'invalid byte sequence for encoding "UTF8": 0x00'),
        ("\ud800", "surrogate"),
    ],
    ids=["nul", "lone-surrogate"],
)
async def test_postgresql_refuses_what_a_plain_str_accepts(
    connection: AsyncConnection, bad: str, refusal: str
) -> None:
    await connection.execute(text("CREATE TEMP TABLE notes (body text)"))

    with pytest.raises(DBAPIError, match=refusal):
        async with connection.begin_nested():
            await connection.execute(
                text("INSERT INTO notes (body) VALUES (:body)"), {"body": f"Mug{bad}"}
            )
    assert "PostgreSQL refuses both" in prose(PAGE)


def _string(spec: dict[str, object]) -> dict[str, object]:
    """The string branch of a property (``X | None`` is an ``anyOf``)."""
    for option in spec.get("anyOf", [spec]):  # type: ignore[attr-defined]
        if option.get("type") == "string":
            return option
    raise AssertionError(spec)


def test_every_stored_request_string_is_bounded_and_shaped_in_the_schema(
    app: FastAPI,
) -> None:
    schemas = app.openapi()["components"]["schemas"]
    stored = {
        ("UserCreate", "email"),
        ("UserCreate", "name"),
        ("UserCreate", "password"),
        ("UserUpdate", "name"),
        ("UserUpdate", "password"),
        ("OrderItemCreate", "sku"),
    }
    for model, field in stored:
        spec = _string(schemas[model]["properties"][field])
        assert "maxLength" in spec, (model, field)
        assert "pattern" in spec or "format" in spec, (model, field)
    for model in ("UserCreate", "UserUpdate"):
        assert _string(schemas[model]["properties"]["name"])["pattern"] == (
            DISPLAY_TEXT_PATTERN
        )
    # Every published pattern refuses a NUL byte and surrounding whitespace
    # where the page says so.
    patterns = [
        _string(schemas["OrderItemCreate"]["properties"]["sku"])["pattern"],
        _string(schemas["SignInForm"]["properties"]["username"])["pattern"],
        DISPLAY_TEXT_PATTERN,
    ]
    for pattern in patterns:
        assert not re.search(str(pattern), "Mug\x00"), pattern
    assert not re.search(DISPLAY_TEXT_PATTERN, " Ada")
    assert re.search(DISPLAY_TEXT_PATTERN, "Ada Lovelace")
    assert "every string property a request stores has a `maxLength`" in prose(PAGE)
