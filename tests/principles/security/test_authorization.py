"""Evidence for SEC-AUTHZ: another user's resource is a 404, and nothing lists users.

Each test reproduces a claim docs/principles/security/authorization.md makes,
against the service's OpenAPI document and its real API.
"""

import ast
import inspect
import textwrap
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from httpx import ASGITransport, AsyncClient

from handbook.content.docs_tree import DOCS_DIR
from shop.users.router import read_user
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "security" / "authorization.md"


def test_every_get_without_a_path_parameter_is_the_callers_own_or_public(
    app: FastAPI,
) -> None:
    paths = app.openapi()["paths"]
    listings = [
        path for path, item in paths.items() if "get" in item and "{" not in path
    ]

    assert listings == [
        "/health/live",
        "/health/ready",
        "/users/me",
        "/products",
        "/orders",
    ]
    assert (
        "`/health/live`, `/health/ready`, `/users/me`, `/products` and `/orders`"
        in prose(PAGE)
    )


async def test_bobs_view_of_alices_account_and_orders_equals_a_missing_ones(
    client: AsyncClient,
    alice: dict[str, Any],
    bob: dict[str, Any],
    add_products: Any,
) -> None:
    await add_products({"MUG-BLUE": 1250})
    placed = await client.post(
        "/orders",
        headers=alice["headers"],
        json={"items": [{"sku": "MUG-BLUE", "quantity": 1}]},
    )
    order_id = placed.json()["id"]

    pairs = [
        (f"/users/{alice['id']}", "/users/999999999"),
        (f"/orders/{order_id}", "/orders/999999999"),
    ]
    for hers, missing in pairs:
        seen = await client.get(hers, headers=bob["headers"])
        absent = await client.get(missing, headers=bob["headers"])
        assert (seen.status_code, seen.content) == (absent.status_code, absent.content)
        assert seen.status_code == 404
    listed = await client.get("/orders", headers=bob["headers"])
    assert listed.json() == {"items": [], "next_cursor": None}
    assert 'a client cannot tell "not yours" from "does not exist"' in prose(PAGE)


def test_read_user_loads_the_callers_own_row_not_the_one_the_path_names() -> None:
    # The path's id equals the caller's whenever the handler gets this far,
    # so no request tells the two apart: the handler's code does.
    handler = ast.parse(textwrap.dedent(inspect.getsource(read_user)))
    loaded = [
        ast.unparse(call.args[0])
        for call in ast.walk(handler)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "get_profile"
    ]

    assert loaded == ["current_user.id"]
    assert (
        "then loads the caller's own row (`current_user.id`), not the row the path "
        "names" in prose(PAGE)
    )


async def test_sequential_ids_show_a_customer_the_orders_placed_between_theirs(
    client: AsyncClient,
    alice: dict[str, Any],
    bob: dict[str, Any],
    add_products: Any,
) -> None:
    await add_products({"MUG-BLUE": 1250})
    order = {"items": [{"sku": "MUG-BLUE", "quantity": 1}]}

    async def place(customer: dict[str, Any]) -> int:
        placed = await client.post("/orders", headers=customer["headers"], json=order)
        assert placed.status_code == 201
        return int(placed.json()["id"])

    first = await place(bob)
    alices = [await place(alice) for _ in range(3)]
    # Between his orders, probing past his last id tells Bob nothing.
    probes = [
        await client.get(f"/orders/{first + step}", headers=bob["headers"])
        for step in (1, 2, 3, 4)
    ]
    never_used = await client.get(f"/orders/{first + 1000}", headers=bob["headers"])
    second = await place(bob)

    assert {(p.status_code, p.content) for p in probes} == {
        (never_used.status_code, never_used.content)
    }
    # His next order does: three orders were placed since his first.
    assert second - first - 1 == len(alices) == 3
    page = prose(PAGE)
    assert "It does not keep the shop's order volume secret" in page
    assert "the ids past their last one answer exactly like ids never used" in page


# --8<-- [start:forbidden-leaks]
# --8<-- [start:lead-403]
ORDERS = {1: "alice", 2: "bob", 3: "alice"}  # order id -> owner, from a sequence
leaky_app = FastAPI()


@leaky_app.get("/orders/{order_id}")
async def read_order(order_id: int, user: str = Header()) -> dict[str, int]:
    if order_id not in ORDERS:
        raise HTTPException(404, "Order not found")
    if ORDERS[order_id] != user:
        raise HTTPException(403, "Not your order")
    return {"id": order_id}
    # --8<-- [end:lead-403]


async def test_a_403_tells_bob_which_ids_are_someone_elses_orders() -> None:
    transport = ASGITransport(app=leaky_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        statuses = [
            (await client.get(f"/orders/{n}", headers={"user": "bob"})).status_code
            for n in range(1, 6)
        ]

    # 1 and 3 exist and are not his, 2 is his, and nothing lies beyond 3.
    assert statuses == [403, 200, 403, 404, 404]
    # --8<-- [end:forbidden-leaks]


async def test_registration_still_tells_whether_an_email_has_an_account(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    """The one place an account's existence shows: the page says so."""
    sign_up = {"name": "Eve", "password": "a long enough passphrase"}
    taken = await client.post("/users", json=sign_up | {"email": alice["email"]})
    free = await client.post("/users", json=sign_up | {"email": "eve@example.com"})

    assert (taken.status_code, free.status_code) == (409, 201)
    assert taken.json()["error"]["message"] == "Email already registered"
    assert "Registration still tells whether an email has an account" in prose(PAGE)
