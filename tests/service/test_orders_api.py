"""Specification of the orders endpoints."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import InvalidRequestError, MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, lazyload

from shop.catalog.models import Product
from shop.core.config import Settings
from shop.core.errors import MAX_ERROR_DETAILS
from shop.orders.models import Order, OrderItem
from shop.shared.pagination import CursorCodec, cursor_key
from tests.support.shop_fixtures import ProductFactory, assert_error, count_rows
from tests.support.sql_statements import count_statements

TWO_LINES = {
    "items": [
        {"sku": "MUG-BLUE", "quantity": 2},
        {"sku": "TEA-EARL-GREY", "quantity": 1},
    ]
}


@pytest.fixture(autouse=True)
async def catalog(add_products: ProductFactory) -> None:
    """The products every order in this module is placed from."""
    await add_products({"MUG-BLUE": 1250, "TEA-EARL-GREY": 899})


async def place(
    client: AsyncClient, user: dict[str, Any], body: Any = None
) -> dict[str, Any]:
    """Place an order as ``user``; returns the created order."""
    response = await client.post(
        "/orders", headers=user["headers"], json=body or TWO_LINES
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


# --- placing orders ------------------------------------------------------------


async def test_placing_an_order_returns_201_with_location_items_and_total(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    response = await client.post("/orders", headers=alice["headers"], json=TWO_LINES)

    assert response.status_code == 201
    order = response.json()
    assert response.headers["location"] == f"/orders/{order['id']}"
    assert order["items"] == [
        {"sku": "MUG-BLUE", "quantity": 2, "unit_price_cents": 1250},
        {"sku": "TEA-EARL-GREY", "quantity": 1, "unit_price_cents": 899},
    ]
    assert order["total_cents"] == 2 * 1250 + 899
    assert await count_rows(session, Order) == 1
    assert await count_rows(session, OrderItem) == 2


# --8<-- [start:price-from-catalog]
async def test_the_price_is_the_catalogs_and_the_client_cannot_send_one(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    cheap = {"items": [{"sku": "MUG-BLUE", "quantity": 1, "unit_price_cents": 1}]}

    response = await client.post("/orders", headers=alice["headers"], json=cheap)

    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "body.items.0.unit_price_cents"
    assert error["details"][0]["type"] == "extra_forbidden"
    assert await count_rows(session, Order) == 0
    # --8<-- [end:price-from-catalog]


async def test_an_order_keeps_the_price_it_was_placed_at(
    client: AsyncClient,
    alice: dict[str, Any],
    session: AsyncSession,
) -> None:
    order = await place(client, alice)
    await session.execute(
        update(Product).values(unit_price_cents=Product.unit_price_cents * 2)
    )

    response = await client.get(f"/orders/{order['id']}", headers=alice["headers"])

    assert response.json()["total_cents"] == 2 * 1250 + 899


async def test_an_unknown_sku_is_a_422_naming_its_fields_and_writes_nothing(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    body = {
        "items": [
            {"sku": "MUG-BLUE", "quantity": 1},
            {"sku": "GHOST-1", "quantity": 1},
            {"sku": "TEA-EARL-GREY", "quantity": 2},
            {"sku": "GHOST-1", "quantity": 3},
            {"sku": "GHOST-0", "quantity": 1},
        ]
    }

    response = await client.post("/orders", headers=alice["headers"], json=body)

    # A field problem like any validation error's: each line it is on.
    unknown = {"message": "Unknown SKU", "type": "unknown_sku"}
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "Unknown SKU: GHOST-0, GHOST-1",
            "details": [
                {"field": "body.items.1.sku", **unknown},
                {"field": "body.items.3.sku", **unknown},
                {"field": "body.items.4.sku", **unknown},
            ],
        }
    }
    assert await count_rows(session, Order) == 0


async def test_an_order_of_unknown_skus_lists_twenty_and_counts_them_all(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    lines = MAX_ERROR_DETAILS + 5
    body = {"items": [{"sku": "GHOST", "quantity": 1}] * lines}

    response = await client.post("/orders", headers=alice["headers"], json=body)

    error = assert_error(response, 422, "validation_error")
    assert error["message"] == (
        f"Unknown SKU: GHOST: {lines} problems, the first {MAX_ERROR_DETAILS} listed"
    )
    assert [detail["field"] for detail in error["details"]] == [
        f"body.items.{line}.sku" for line in range(MAX_ERROR_DETAILS)
    ]


@pytest.mark.parametrize(
    "sku",
    [
        "X'; DELETE FROM orders; --",
        "mug-blue",
        " MUG-BLUE",
        "MUG\x00BLUE",
        "   ",
        "-MUG",
    ],
)
async def test_a_sku_outside_the_documented_pattern_is_a_422(
    client: AsyncClient, alice: dict[str, Any], sku: str
) -> None:
    body = {"items": [{"sku": sku, "quantity": 1}]}

    response = await client.post("/orders", headers=alice["headers"], json=body)

    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "body.items.0.sku"


def _line(**overrides: Any) -> dict[str, Any]:
    return {"sku": "MUG-BLUE", "quantity": 1} | overrides


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.items"),
        ({"items": []}, "body.items"),
        ({"items": [_line()] * 101}, "body.items"),
        ({"items": "MUG-BLUE"}, "body.items"),
        ({"items": [_line(quantity=0)]}, "body.items.0.quantity"),
        ({"items": [_line(quantity=-3)]}, "body.items.0.quantity"),
        ({"items": [_line(quantity=10_001)]}, "body.items.0.quantity"),
        ({"items": [_line(quantity=1.5)]}, "body.items.0.quantity"),
        ({"items": [_line(quantity="two")]}, "body.items.0.quantity"),
        # The schema says integer: no boolean (once taken as 1), no text ("2").
        ({"items": [_line(quantity=True)]}, "body.items.0.quantity"),
        ({"items": [_line(quantity="2")]}, "body.items.0.quantity"),
        ({"items": [_line(unit_price_cents=1)]}, "body.items.0.unit_price_cents"),
        ({"items": [_line(sku="")]}, "body.items.0.sku"),
        ({"items": [_line(sku="S" * 65)]}, "body.items.0.sku"),
        ({"items": [{"quantity": 1}]}, "body.items.0.sku"),
        ({"items": [_line(discount=50)]}, "body.items.0.discount"),
        ({"items": [_line()], "user_id": 1}, "body.user_id"),
    ],
)
async def test_invalid_orders_are_a_422_naming_the_field_and_write_nothing(
    client: AsyncClient,
    alice: dict[str, Any],
    session: AsyncSession,
    body: dict[str, Any],
    field: str,
) -> None:
    response = await client.post("/orders", headers=alice["headers"], json=body)

    error = assert_error(response, 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]]
    assert await count_rows(session, Order) == 0
    assert await count_rows(session, OrderItem) == 0


async def test_placing_an_order_requires_a_token_and_writes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    response = await client.post("/orders", json=TWO_LINES)

    assert_error(response, 401, "unauthorized")
    assert await count_rows(session, Order) == 0


async def test_the_database_rejects_non_positive_quantities_even_without_the_api(
    session: AsyncSession, alice: dict[str, Any]
) -> None:
    from sqlalchemy.exc import IntegrityError

    session.add(
        Order(
            user_id=alice["id"],
            items=[OrderItem(sku="MUG", quantity=0, unit_price_cents=100)],
        )
    )
    with pytest.raises(IntegrityError, match="ck_order_items_quantity_positive"):
        await session.flush()


# --- reading one order -------------------------------------------------------------


async def test_an_order_is_read_back_with_a_strong_etag(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    order = await place(client, alice)

    response = await client.get(f"/orders/{order['id']}", headers=alice["headers"])

    assert response.status_code == 200
    assert response.json() == order
    etag = response.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert response.headers["cache-control"] == "private, no-cache"


async def test_the_etag_is_stable_for_unchanged_content_and_differs_between_orders(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    first = await place(client, alice)
    second = await place(client, alice)

    etag_1a = (
        await client.get(f"/orders/{first['id']}", headers=alice["headers"])
    ).headers["etag"]
    etag_1b = (
        await client.get(f"/orders/{first['id']}", headers=alice["headers"])
    ).headers["etag"]
    etag_2 = (
        await client.get(f"/orders/{second['id']}", headers=alice["headers"])
    ).headers["etag"]

    assert etag_1a == etag_1b
    assert etag_1a != etag_2


# --8<-- [start:if-none-match]
@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"stale", {etag}', "*"],
    ids=["exact", "weak-form", "in-a-list", "star"],
)
async def test_if_none_match_with_the_current_etag_is_a_304_without_body(
    client: AsyncClient, alice: dict[str, Any], if_none_match: str
) -> None:
    order = await place(client, alice)
    url = f"/orders/{order['id']}"
    full = await client.get(url, headers=alice["headers"])
    etag = full.headers["etag"]

    response = await client.get(
        url,
        headers=alice["headers"] | {"If-None-Match": if_none_match.format(etag=etag)},
    )

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    # The 304 updates the client's copy: the same caching rules as the 200.
    assert response.headers["cache-control"] == full.headers["cache-control"]
    assert full.headers["cache-control"] == "private, no-cache"


async def test_if_none_match_with_a_stale_etag_returns_the_order(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    order = await place(client, alice)

    response = await client.get(
        f"/orders/{order['id']}",
        headers=alice["headers"] | {"If-None-Match": '"stale"'},
    )

    assert response.status_code == 200
    assert response.json() == order
    # --8<-- [end:if-none-match]


@pytest.mark.parametrize("lines", [("{etag}", '"stale"'), ('"stale"', "{etag}")])
async def test_if_none_match_on_two_lines_is_one_list(
    client: AsyncClient, alice: dict[str, Any], lines: tuple[str, str]
) -> None:
    # RFC 9110, section 5.3: a proxy may pass a list field on several lines.
    order = await place(client, alice)
    url = f"/orders/{order['id']}"
    etag = (await client.get(url, headers=alice["headers"])).headers["etag"]

    response = await client.get(
        url,
        headers=[*alice["headers"].items()]
        + [("If-None-Match", line.format(etag=etag)) for line in lines],
    )

    assert response.status_code == 304


# --8<-- [start:order-404]
async def test_another_users_order_is_a_404_indistinguishable_from_a_missing_one(
    client: AsyncClient, alice: dict[str, Any], bob: dict[str, Any]
) -> None:
    order = await place(client, alice)

    theirs = await client.get(f"/orders/{order['id']}", headers=bob["headers"])
    missing = await client.get("/orders/999999999", headers=bob["headers"])

    assert_error(theirs, 404, "not_found")
    assert theirs.json() == missing.json()
    # --8<-- [end:order-404]


@pytest.mark.parametrize("order_id", ["0", "-5", "abc", str(2**63), "1.5"])
async def test_a_malformed_order_id_is_a_422(
    client: AsyncClient, alice: dict[str, Any], order_id: str
) -> None:
    response = await client.get(f"/orders/{order_id}", headers=alice["headers"])

    assert_error(response, 422, "validation_error")


async def test_reading_an_order_requires_a_token(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    order = await place(client, alice)

    response = await client.get(f"/orders/{order['id']}")

    assert_error(response, 401, "unauthorized")


# --- listing orders -----------------------------------------------------------------


async def test_the_list_holds_only_the_callers_orders(
    client: AsyncClient, alice: dict[str, Any], bob: dict[str, Any]
) -> None:
    mine = [await place(client, alice) for _ in range(2)]
    await place(client, bob)

    response = await client.get("/orders", headers=alice["headers"])

    assert response.status_code == 200
    assert response.json() == {"items": mine, "next_cursor": None}


async def test_orders_are_listed_in_pages_that_chain_through_next_cursor(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    placed = [(await place(client, alice))["id"] for _ in range(5)]

    first = (
        await client.get("/orders", headers=alice["headers"], params={"limit": 3})
    ).json()
    second = (
        await client.get(
            "/orders",
            headers=alice["headers"],
            params={"limit": 3, "cursor": first["next_cursor"]},
        )
    ).json()

    assert [order["id"] for order in first["items"]] == placed[:3]
    assert [order["id"] for order in second["items"]] == placed[3:]
    assert second["next_cursor"] is None


async def test_a_page_exactly_full_has_no_next_cursor(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    for _ in range(2):
        await place(client, alice)

    page = (
        await client.get("/orders", headers=alice["headers"], params={"limit": 2})
    ).json()

    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


@dataclass(frozen=True)
class _SignedByTheApp:
    """A cursor holding ``document``, signed with the app's own key."""

    document: object


def _signed_by(settings: Settings, document: object) -> str:
    """``document`` as a cursor of GET /orders signed the way the app signs
    (CursorCodec): the listing's template, a newline, then the payload."""
    key = cursor_key(settings.jwt_secret.get_secret_value().encode())
    payload = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=")
    digest = hmac.new(key, b"/orders\n" + payload, hashlib.sha256).digest()[:16]
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return f"{payload.decode()}.{signature.decode()}"


def test_the_tests_sign_a_cursor_as_the_app_does(settings: Settings) -> None:
    # So a signed cursor below is refused for what it holds, not its signature.
    app_codec = CursorCodec(cursor_key(settings.jwt_secret.get_secret_value().encode()))
    assert _signed_by(settings, {"v": 1, "after": 42}) == app_codec.encode(
        42, listing="/orders"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "all"},
        {"cursor": "%%%"},
        {"cursor": _SignedByTheApp({"v": 2, "after": 0})},
        {"cursor": _SignedByTheApp([])},
        {"cursor": "x" * 500},
        {"cursor": ""},
        # {"v": 1, "after": 0}: well-formed, but not signed by this server.
        {"cursor": "eyJ2IjogMSwgImFmdGVyIjogMH0.AAAAAAAAAAAAAAAAAAAAAA"},
    ],
    ids=[
        "limit-0",
        "limit-101",
        "limit-text",
        "cursor-not-base64",
        "cursor-wrong-version",
        "cursor-not-object",
        "cursor-huge",
        "cursor-empty",
        "cursor-unsigned",
    ],
)
async def test_a_bad_limit_or_cursor_is_a_422(
    client: AsyncClient,
    settings: Settings,
    alice: dict[str, Any],
    params: dict[str, Any],
) -> None:
    params = {
        name: _signed_by(settings, value.document)
        if isinstance(value, _SignedByTheApp)
        else value
        for name, value in params.items()
    }

    response = await client.get("/orders", headers=alice["headers"], params=params)

    assert_error(response, 422, "validation_error")


async def test_listing_orders_requires_a_token(client: AsyncClient) -> None:
    response = await client.get("/orders")

    assert_error(response, 401, "unauthorized")


# --- query count ------------------------------------------------------------------


async def test_count_statements_counts_its_own_connection_only(
    connection: AsyncConnection, engine: AsyncEngine
) -> None:
    with count_statements(connection) as statements:
        await connection.execute(text("SELECT 'on the counted connection'"))
        async with engine.connect() as other:
            await other.execute(text("SELECT 'on another connection'"))

    assert statements == ["SELECT 'on the counted connection'"]


async def _statements_to_list(
    client: AsyncClient, session: AsyncSession, user: dict[str, Any]
) -> list[str]:
    # Start from an empty identity map, as a real request's fresh session does.
    session.expunge_all()
    with count_statements(await session.connection()) as statements:
        response = await client.get(
            "/orders", headers=user["headers"], params={"limit": 100}
        )
    assert response.status_code == 200
    return statements


# --8<-- [start:listing-query-count]
async def test_listing_20_orders_costs_as_many_queries_as_listing_2(
    client: AsyncClient,
    alice: dict[str, Any],
    bob: dict[str, Any],
    session: AsyncSession,
) -> None:
    for _ in range(2):
        await place(client, alice)
    for _ in range(20):
        await place(client, bob)

    for_two = await _statements_to_list(client, session, alice)
    for_twenty = await _statements_to_list(client, session, bob)

    # The user behind the token, the orders, all their items in one IN query.
    assert len(for_two) == len(for_twenty) == 3
    assert "order_items.order_id IN (" in for_twenty[-1]
    # --8<-- [end:listing-query-count]


# --8<-- [start:lazy-items]
async def test_items_that_were_not_loaded_eagerly_are_not_loaded_per_order(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    for _ in range(20):
        await place(client, alice)
    session.expunge_all()
    # --8<-- [start:lead-lazy-per-order]
    # The listing query without .options(selectinload(Order.items)).
    query = select(Order).where(Order.user_id == alice["id"])

    # Plain lazy loading, where it can run (sync code): one query per order.
    def read_all_items(sync_session: Session) -> None:
        for order in sync_session.scalars(query.options(lazyload(Order.items))):
            _ = order.items

    with count_statements(await session.connection()) as statements:
        await session.run_sync(read_all_items)
    assert len(statements) == 1 + 20
    # --8<-- [end:lead-lazy-per-order]
    session.expunge_all()

    # In async code the same hidden query cannot run at all.
    orders = (await session.scalars(query.options(lazyload(Order.items)))).all()
    with pytest.raises(MissingGreenlet):
        _ = orders[0].items
    session.expunge_all()

    # The model's lazy="raise" turns it into an error that names the cause.
    orders = (await session.scalars(query)).all()
    with pytest.raises(InvalidRequestError, match=r"'Order\.items' is not available"):
        _ = orders[0].items
    # --8<-- [end:lazy-items]


async def test_a_cursor_from_another_users_listing_cannot_reveal_their_orders(
    client: AsyncClient, alice: dict[str, Any], bob: dict[str, Any]
) -> None:
    for _ in range(3):
        await place(client, alice)
    first = await client.get("/orders", headers=alice["headers"], params={"limit": 1})

    response = await client.get(
        "/orders",
        headers=bob["headers"],
        params={"cursor": first.json()["next_cursor"]},
    )

    # The cursor only says where to resume; whose orders is the token's call.
    assert response.json() == {"items": [], "next_cursor": None}


async def test_a_cursor_from_one_listing_is_a_422_on_the_other(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    """Both listings resume "after id N"; a cursor only resumes the one that
    issued it, or a product id would page through the caller's orders."""
    for _ in range(2):
        await place(client, alice)
    products = await client.get("/products", params={"limit": 1})
    orders = await client.get("/orders", headers=alice["headers"], params={"limit": 1})

    on_orders = await client.get(
        "/orders",
        headers=alice["headers"],
        params={"cursor": products.json()["next_cursor"]},
    )
    on_products = await client.get(
        "/products", params={"cursor": orders.json()["next_cursor"]}
    )

    for response in (on_orders, on_products):
        error = assert_error(response, 422, "validation_error")
        assert error["details"] == [
            {
                "field": "query.cursor",
                "message": "malformed cursor",
                "type": "value_error",
            }
        ]
