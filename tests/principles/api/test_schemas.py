"""Evidence for API-SCHEMAS: Requests and responses have their own schemas.

Each test reproduces a claim docs/principles/api/schemas.md makes,
against the real tool, library or service.
"""

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, ConfigDict, ValidationError

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences
from shop.orders.models import Order
from shop.orders.schemas import OrderResponse
from tests.support.pages import prose
from tests.support.shop_fixtures import ProductFactory

API_PAGES = DOCS_DIR / "principles" / "api"


SCHEMAS_PAGE = API_PAGES / "schemas.md"


SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"


def test_the_return_type_filters_the_response_and_names_it_in_openapi() -> None:
    class UserResponse(BaseModel):
        model_config = ConfigDict(from_attributes=True)

        id: int
        email: str

    @dataclass
    class Row:
        id: int
        email: str
        password_hash: str

    app = FastAPI()

    @app.get("/users/me")
    async def read_me() -> UserResponse:
        # The point: a row with more fields than the schema, which FastAPI filters.
        return Row(1, "ada@example.com", "$argon2id$...")  # type: ignore[return-value]

    async def fetch() -> dict[str, Any]:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://shop") as client:
            body: dict[str, Any] = (await client.get("/users/me")).json()
            return body

    assert asyncio.run(fetch()) == {"id": 1, "email": "ada@example.com"}
    ok = app.openapi()["paths"]["/users/me"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserResponse"
    }
    assert "FastAPI documents it in OpenAPI and filters the output through it" in (
        prose(SCHEMAS_PAGE)
    )


def test_a_handler_that_returns_a_response_skips_the_filter() -> None:
    class UserResponse(BaseModel):
        id: int
        email: str

    row = {"id": 1, "email": "ada@example.com", "password_hash": "$argon2id$..."}
    app = FastAPI()

    @app.get("/users/me", response_model=UserResponse)
    async def read_me() -> JSONResponse:
        return JSONResponse(row)  # sent as it is, whatever response_model says

    async def fetch() -> dict[str, Any]:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://shop") as client:
            body: dict[str, Any] = (await client.get("/users/me")).json()
            return body

    assert asyncio.run(fetch()) == row  # the hash leaks
    ok = app.openapi()["paths"]["/users/me"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserResponse"
    }
    assert "A handler that returns a `Response` itself" in prose(SCHEMAS_PAGE)
    assert "skips that filter" in prose(SCHEMAS_PAGE)


async def test_the_order_read_builds_its_response_from_the_order_schema(
    client: AsyncClient, alice: dict[str, Any], add_products: ProductFactory
) -> None:
    await add_products({"MUG-BLUE": 1250})
    placed = await client.post(
        "/orders",
        headers=alice["headers"],
        json={"items": [{"sku": "MUG-BLUE", "quantity": 1}]},
    )

    response = await client.get(placed.headers["location"], headers=alice["headers"])

    assert response.status_code == 200
    shown = OrderResponse.model_json_schema(mode="serialization")["properties"]
    assert set(response.json()) == set(shown)
    # The row has more than the schema; a Response built from it would leak it.
    assert "user_id" in Order.__table__.columns
    assert "user_id" not in response.json()
    assert "as the order read does to send its ETag" in prose(SCHEMAS_PAGE)


def _source_user_schemas() -> dict[str, Any]:
    """The ``users/schemas.py`` part of the source's example implementation."""
    example = next(
        b
        for b in find_fences(SOURCE_DOCUMENT)
        if b.source.startswith("# users/models.py")
    )
    code = example.source.split("# users/schemas.py", 1)[1]
    code = code.split("# users/service.py", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "users/schemas.py", "exec"), namespace)  # noqa: S102 - the source's own code
    return namespace


def test_the_source_user_response_drops_undeclared_attributes() -> None:
    user_response = _source_user_schemas()["UserResponse"]

    @dataclass
    class Row:
        id: int
        email: str
        name: str
        password_hash: str

    row = Row(1, "ada@example.com", "Ada", "$argon2id$...")
    shown = user_response.model_validate(row).model_dump()

    assert shown == {"id": 1, "email": "ada@example.com", "name": "Ada"}
    assert (
        "its `UserResponse` with `from_attributes` drops an attribute it does not declare"
        in prose(SCHEMAS_PAGE)
    )


def test_the_source_user_create_silently_ignores_unknown_fields() -> None:
    user_create = _source_user_schemas()["UserCreate"]

    signup = user_create.model_validate(
        {"email": "mallory@example.com", "name": "Mallory", "is_admin": True}
    )

    assert signup.model_dump() == {"email": "mallory@example.com", "name": "Mallory"}
    assert "is accepted and dropped rather than rejected" in prose(SCHEMAS_PAGE)


def test_orm_mode_from_pydantic_1_only_warns_and_reads_no_attributes() -> None:
    row = SimpleNamespace(id=1, email="ada@example.com")
    with pytest.warns(
        UserWarning, match="'orm_mode' has been renamed to 'from_attributes'"
    ):

        class OldUserResponse(BaseModel):
            model_config = ConfigDict(orm_mode=True)  # type: ignore[typeddict-unknown-key]  # the Pydantic 1 key, on purpose
            id: int
            email: str

    class UserResponse(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        email: str

    with pytest.raises(ValidationError, match="valid dictionary or instance"):
        OldUserResponse.model_validate(row)
    assert UserResponse.model_validate(row).email == "ada@example.com"

    # FastAPI validates a response model from attributes whatever its config.
    app = FastAPI()

    @app.get("/users/me", response_model=OldUserResponse)
    async def read_me() -> object:
        return row

    async def fetch() -> dict[str, object]:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://shop") as client:
            response = await client.get("/users/me")
        body: dict[str, object] = response.json()
        return body

    assert asyncio.run(fetch()) == {"id": 1, "email": "ada@example.com"}
    assert (
        'under Pydantic 2 `orm_mode=True` only warns that it "has been renamed", '
        "and `model_validate(row)` then reads no attributes (FastAPI's response "
        "validation reads them anyway, so the endpoint hides the mistake)"
        in prose(SCHEMAS_PAGE)
    )
