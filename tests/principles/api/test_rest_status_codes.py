"""Evidence for API-REST: Endpoints name resources and answer with the status code that says what happened.

Each test reproduces a claim docs/principles/api/rest-status-codes.md makes,
against the real tool, library or service.
"""

import ast
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from pydantic import BaseModel

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.shared import exceptions
from shop.shared.base_model import MAX_ID
from shop.shared.exceptions import DomainError
from tests.support.pages import prose
from tests.support.shop_fixtures import assert_error

REST_PAGE = DOCS_DIR / "principles" / "api" / "rest-status-codes.md"


def _routes(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in openapi["paths"].items()
        for method in operations
    }


def test_the_service_has_no_delete_and_no_nested_orders_as_the_rest_page_says(
    service_openapi: dict[str, Any],
) -> None:
    routes = _routes(service_openapi)

    assert not [route for route in routes if route[0] == "DELETE"]
    assert ("POST", "/orders") in routes
    # Below a user there is nothing: no /users/{user_id}/orders.
    assert {path for _, path in routes if path.startswith("/users/{")} == {
        "/users/{user_id}"
    }
    page_text = prose(REST_PAGE)
    assert "the reference service has no `DELETE` endpoint" in page_text
    assert "`DELETE /users/me` is a 405" in page_text
    assert "instead of nesting orders as `/users/{id}/orders`" in page_text


# Every module that declares routes: the domains' routers and core's health
# checks alike.
ROUTERS = sorted(
    path
    for path in (REPO_ROOT / "snippets" / "shop").rglob("*.py")
    if "APIRouter(" in path.read_text()
)
ERROR_BUILDERS = {"HTTPException", "JSONResponse", "error_response"}


def test_no_router_builds_a_failure() -> None:
    assert len(ROUTERS) >= 4, ROUTERS
    for path in ROUTERS:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', 0)}"
            # No error response or HTTP error of its own...
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                assert name not in ERROR_BUILDERS, where
            # ...no status of 400 or more on what it returns...
            if isinstance(node, ast.Attribute) and node.attr.startswith("HTTP_"):
                assert int(node.attr.split("_")[1]) < 400, where
            if isinstance(node, ast.Constant) and type(node.value) is int:
                assert not 400 <= node.value < 600, f"{where}: a status as a number"
            # ...and what it raises is a domain error, for the handlers.
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                raised = node.exc.func
                assert isinstance(raised, ast.Name), where
                kind = getattr(exceptions, raised.id, None)
                assert isinstance(kind, type), f"{where}: {raised.id}"
                assert issubclass(kind, DomainError), where


# --8<-- [start:action-endpoints]
class NewOrder(BaseModel):
    sku: str
    quantity: int


async def test_action_endpoints_answer_every_outcome_with_a_200() -> None:
    app = FastAPI()
    orders: dict[int, dict[str, Any]] = {}

    # --8<-- [start:lead-all-200]
    @app.post("/createOrder")
    async def create_order(order: NewOrder) -> dict[str, Any]:
        if order.quantity < 1:
            return {"error": "quantity must be at least 1"}
        order_id = len(orders) + 1
        orders[order_id] = {"id": order_id, **order.model_dump()}
        return orders[order_id]

    @app.post("/getOrder")
    async def get_order(order_id: int) -> dict[str, Any]:
        return orders.get(order_id, {"error": "no such order"})

    async with AsyncClient(transport=ASGITransport(app), base_url="http://shop") as api:
        created = await api.post("/createOrder", json={"sku": "MUG", "quantity": 2})
        rejected = await api.post("/createOrder", json={"sku": "MUG", "quantity": 0})
        missing = await api.post("/getOrder", params={"order_id": 42})

    assert [r.status_code for r in (created, rejected, missing)] == [200, 200, 200]
    assert rejected.json() == {"error": "quantity must be at least 1"}
    assert missing.json() == {"error": "no such order"}
    # --8<-- [end:lead-all-200]
    assert all(r.is_success for r in (created, rejected, missing))
    responses = app.openapi()["paths"]["/createOrder"]["post"]["responses"]
    assert list(responses) == ["200", "422"]  # the failures are not in the contract
    # --8<-- [end:action-endpoints]
    # Not on the page, for its length: the order that was valid was created.
    assert created.json() == {"id": 1, "sku": "MUG", "quantity": 2}


def _other_spellings(resource_id: int) -> list[str]:
    """Spellings a lax ``int`` reads as ``resource_id``, as they travel in a URL."""
    return [f"0{resource_id}", f"+{resource_id}", f"{resource_id}.0",
            f"%20{resource_id}", f"0_{resource_id}", f"00{resource_id}",
            f"{resource_id}%20", f"{resource_id}.00"]  # fmt: skip


# What a 422 says to a client that spelt an id another way.
ONE_SPELLING = (
    "Input should be a plain integer such as 42: no plus sign, leading zero, "
    "space, point or underscore"
)


def _path_errors(response: Response, name: str) -> list[dict[str, Any]]:
    if response.status_code != 422:
        return []
    details: list[dict[str, Any]] = response.json()["error"]["details"]
    return [detail for detail in details if detail["field"] == f"path.{name}"]


async def test_a_resource_answers_at_one_url_only(
    client: AsyncClient,
    alice: dict[str, Any],
    add_products: Any,
    service_openapi: dict[str, Any],
) -> None:
    await add_products({"MUG-BLUE": 1250})
    order = await client.post(
        "/orders", headers=alice["headers"], json={"items": [{"sku": "MUG-BLUE", "quantity": 1}]}
    )  # fmt: skip
    own_id = {"/orders/{order_id}": order.json()["id"], "/users/{user_id}": alice["id"]}
    # Every operation on a path that names a row by its id, each tried with
    # its own method: a new one is tried as soon as it is published.
    operations = [
        (method.upper(), template)
        for template, methods in service_openapi["paths"].items()
        if "{" in template
        for method in methods
    ]
    assert {template for _, template in operations} == own_id.keys()

    for method, template in operations:
        name = template.split("{")[1].rstrip("}")
        resource_id = own_id[template]
        plain = template.replace(f"{{{name}}}", str(resource_id))
        read = await client.request(method, plain, headers=alice["headers"])
        assert not _path_errors(read, name), (method, plain, read.text)
        if method == "GET":
            assert read.status_code == 200, (plain, read.text)
        for spelling in _other_spellings(resource_id):
            path = template.replace(f"{{{name}}}", spelling)
            other = await client.request(method, path, headers=alice["headers"])
            # The id itself refused, not some other part of the request, and
            # the client told which spelling would have been read.
            assert _path_errors(other, name) == [
                {
                    "field": f"path.{name}",
                    "message": ONE_SPELLING,
                    "type": "int_parsing",
                }
            ], (method, path, other.text)


async def test_an_integer_in_a_query_answers_at_its_plain_spelling_only(
    client: AsyncClient, alice: dict[str, Any], service_openapi: dict[str, Any]
) -> None:
    # Every integer query parameter the service publishes, with the method of
    # its operation: a new one is tried as soon as it is published.
    integers = [
        (method.upper(), path, parameter)
        for path, operations in service_openapi["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["schema"].get("type") == "integer"
    ]
    parameters = [
        (method, path, parameter["name"]) for method, path, parameter in integers
    ]
    assert parameters == [("GET", "/products", "limit"), ("GET", "/orders", "limit")]
    for _, _, parameter in integers:
        # Its bounds in JSON Schema's words, as for an id in a path.
        assert {"minimum", "maximum"} <= parameter["schema"].keys(), parameter
        assert not {"ge", "le"} & parameter["schema"].keys(), parameter

    for method, path, name in parameters:
        plain = await client.request(
            method, f"{path}?{name}=10", headers=alice["headers"]
        )
        assert plain.status_code == 200, (path, plain.text)
        # A query decodes "+" as a space: "%2B" is the plus sign.
        for spelling in [*_other_spellings(10), "1_0", "%2B10", "%2010%20"]:
            other = await client.request(
                method, f"{path}?{name}={spelling}", headers=alice["headers"]
            )
            error = assert_error(other, 422, "validation_error")
            assert error["details"] == [
                {
                    "field": f"query.{name}",
                    "message": ONE_SPELLING,
                    "type": "int_parsing",
                }
            ], (method, path, spelling)


def test_every_id_in_a_path_publishes_its_bounds_as_json_schema(
    service_openapi: dict[str, Any],
) -> None:
    schemas = [
        (path, parameter["schema"])
        for path, operations in service_openapi["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]

    assert schemas, "no path parameter found"
    for path, schema in schemas:
        # "ge" and "le" are pydantic's words, which JSON Schema ignores.
        assert schema == {**schema, "type": "integer", "minimum": 1, "maximum": MAX_ID}
        assert not {"ge", "le"} & schema.keys(), (path, schema)
