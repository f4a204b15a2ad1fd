"""Evidence for DOC-OPENAPI: the generated OpenAPI document is a contract the
real responses keep, its examples are valid, and production does not serve it."""

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Query
from fastapi import Response as FastAPIResponse
from httpx import AsyncClient, Response
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field, ValidationError

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.main import create_app
from shop.orders.schemas import OrderCreate
from tests.support.pages import prose
from tests.support.shop_fixtures import ProductFactory, client_for

PAGE = DOCS_DIR / "principles" / "documentation" / "openapi-contract.md"


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _documented_schema(
    spec: dict[str, Any], method: str, path: str, status: int
) -> dict[str, Any]:
    """The body schema the document promises for this status (or its 4XX/5XX)."""
    responses = spec["paths"][path][method.lower()]["responses"]
    documented = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    assert documented, f"{method} {path} answered {status}, which it does not document"
    schema = documented["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


# --8<-- [start:responses-match-the-contract]
async def test_real_responses_match_the_schemas_the_document_promises(
    client: AsyncClient, alice: dict[str, Any], add_products: ProductFactory
) -> None:
    await add_products({"MUG-BLUE": 1250})
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1.")  # its schemas are JSON Schema 2020-12
    # json_schema_extra may be a callable in general; OrderCreate's is a dict.
    example = OrderCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    auth = alice["headers"]
    placed = await client.post("/orders", json=example, headers=auth)
    order = f"/orders/{placed.json()['id']}"
    calls: list[tuple[str, str, Response]] = [
        ("POST", "/orders", placed),
        ("GET", "/orders", await client.get("/orders", headers=auth)),
        # read_order builds its body by hand, so FastAPI does not check it.
        ("GET", "/orders/{order_id}", await client.get(order, headers=auth)),
        ("GET", "/orders/{order_id}", await client.get("/orders/999", headers=auth)),
        ("POST", "/orders", await client.post("/orders", json={}, headers=auth)),
        ("GET", "/users/me", await client.get("/users/me")),
        (
            "GET",
            "/users/{user_id}",
            await client.get(f"/users/{alice['id']}", headers=auth),
        ),
    ]

    for method, path, response in calls:
        schema = _documented_schema(spec, method, path, response.status_code)
        errors = [
            e.message for e in Draft202012Validator(schema).iter_errors(response.json())
        ]
        assert errors == [], f"{method} {path} {response.status_code}: {errors}"
    assert [r.status_code for _, _, r in calls] == [201, 200, 200, 404, 422, 401, 200]
    # --8<-- [end:responses-match-the-contract]


async def test_every_operation_documents_the_common_error_body(
    client: AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()

    for method, path, operation in _operations(spec):
        for status in ("4XX", "5XX"):
            schema = operation["responses"][status]["content"]["application/json"]
            assert schema["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}, (
                f"{method} {path} {status}"
            )
        assert operation.get("description"), f"{method} {path}: no docstring"


async def test_the_read_endpoint_documents_and_answers_its_304(
    client: AsyncClient, alice: dict[str, Any], add_products: ProductFactory
) -> None:
    await add_products({"MUG-BLUE": 1250})
    spec = (await client.get("/openapi.json")).json()
    auth = alice["headers"]
    placed = await client.post(
        "/orders", json={"items": [{"sku": "MUG-BLUE", "quantity": 1}]}, headers=auth
    )
    order = f"/orders/{placed.json()['id']}"

    read = await client.get(order, headers=auth)
    revalidated = await client.get(
        order, headers={**auth, "If-None-Match": read.headers["ETag"]}
    )

    responses = spec["paths"]["/orders/{order_id}"]["get"]["responses"]
    assert "304" in responses
    assert read.status_code == 200
    assert revalidated.status_code == 304
    assert "and the read endpoint documents its 304" in prose(PAGE)


# --8<-- [start:examples-validate]
def _examples(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every example anywhere in the document.

    A schema holds a list of ``examples`` (JSON Schema) or one ``example``;
    a media type or a parameter holds ``example`` or named ``examples``
    (each with a ``value``) for its ``schema``.
    """
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _examples(item, f"{where}/{index}")
        return
    if not isinstance(node, dict):
        return
    # A media type or a parameter: its examples are of its schema.
    schema = node["schema"] if isinstance(node.get("schema"), dict) else node
    if isinstance(node.get("examples"), list):
        for example in node["examples"]:
            yield where, schema, example
    elif isinstance(node.get("examples"), dict) and schema is not node:
        for name, named in node["examples"].items():
            yield f"{where}/examples/{name}", schema, named.get("value")
    if "example" in node:
        yield where, schema, node["example"]
    for key, value in node.items():
        if key not in ("example", "examples"):  # the values themselves
            yield from _examples(value, f"{where}/{key}")


def _invalid_examples(spec: dict[str, Any]) -> list[str]:
    """Each example that its enclosing schema rejects, with where it is."""
    return [
        f"{where}: {error.message}"
        for where, schema, example in _examples(spec)
        for error in Draft202012Validator(
            {**schema, "components": spec["components"]}
        ).iter_errors(example)
    ]


async def test_every_example_in_the_document_is_valid(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    assert [where for where, _, _ in _examples(spec)] == [
        "#/components/schemas/OrderCreate"
    ]
    assert _invalid_examples(spec) == []
    # OrderCreate's is a request: the model accepts it too.
    for _, _, example in _examples(spec):
        try:
            OrderCreate.model_validate(example)
        except ValidationError as error:
            pytest.fail(f"the OrderCreate example is not a valid request: {error}")
    # --8<-- [end:examples-validate]


def test_an_invalid_field_example_is_reported() -> None:
    class OrderItemCreate(BaseModel):
        sku: str = Field(examples=["MUG-BLUE"])
        quantity: int = Field(ge=1, examples=[0])

    app = FastAPI()

    @app.post("/orders")
    async def create_order(item: OrderItemCreate) -> None:
        """Place an order of one item."""

    @app.get("/orders")
    async def list_orders(
        limit: Annotated[int, Query(ge=1, openapi_examples={"none": {"value": 0}})],
    ) -> None:
        """A page of orders."""

    spec = app.openapi()

    assert [problem.partition(".")[0] for problem in _invalid_examples(spec)] == [
        "#/paths//orders/get/parameters/0/examples/none: "
        "0 is less than the minimum of 1",
        "#/components/schemas/OrderItemCreate/properties/quantity: "
        "0 is less than the minimum of 1",
    ]
    assert "a field's example below its `ge=1` fails the check" in prose(PAGE)


# --8<-- [start:docs-off]
@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_production_serves_no_api_documentation(
    settings: Settings, path: str
) -> None:
    production = create_app(settings.model_copy(update={"environment": "production"}))
    development = create_app(settings.model_copy(update={"environment": "development"}))

    async with client_for(production) as prod, client_for(development) as dev:
        assert (await prod.get(path)).status_code == 404
        assert (await dev.get(path)).status_code == 200
    # --8<-- [end:docs-off]


async def test_a_deployment_that_sets_no_environment_serves_no_api_documentation(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    unset = Settings(
        _env_file=None,
        database_url=settings.database_url,
        jwt_secret=settings.jwt_secret,
    )

    async with client_for(create_app(unset)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 404, path
    assert "`ENVIRONMENT` defaults to `production`, so a deployment that forgets" in (
        prose(PAGE)
    )


def test_a_handler_returning_a_bare_response_documents_no_body() -> None:
    app = FastAPI()

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int) -> FastAPIResponse:
        return FastAPIResponse(f'{{"id": {order_id}}}', media_type="application/json")

    documented = app.openapi()["paths"]["/orders/{order_id}"]["get"]["responses"]

    assert documented["200"]["content"]["application/json"]["schema"] == {}
    assert "the document then says nothing about the body" in prose(PAGE)


async def test_a_response_the_handler_builds_is_not_checked_against_its_model() -> None:
    class OrderOut(BaseModel):
        id: int
        total_cents: int

    app = FastAPI()

    @app.get("/orders/{order_id}", response_model=OrderOut)
    async def read_order(order_id: int) -> FastAPIResponse:
        return FastAPIResponse(f'{{"id": {order_id}}}', media_type="application/json")

    async with client_for(app) as client:
        response = await client.get("/orders/7")

    # Documented with total_cents, served without it, and nothing objected.
    assert response.status_code == 200
    assert response.json() == {"id": 7}
    assert "not a `Response` the handler builds itself" in prose(PAGE)
