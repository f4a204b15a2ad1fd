"""Specification of the catalog endpoints."""

import pytest
from httpx import AsyncClient

from shop.shared.pagination import MAX_LIMIT
from tests.support.shop_fixtures import ProductFactory, assert_error


@pytest.fixture(autouse=True)
async def catalog(add_products: ProductFactory) -> None:
    """The products on sale in every test of this module."""
    await add_products({"MUG-BLUE": 1250, "TEA-EARL-GREY": 899})


async def test_the_catalog_is_public_and_listed_in_pages(client: AsyncClient) -> None:
    first = await client.get("/products", params={"limit": 1})
    second = await client.get(
        "/products", params={"limit": 1, "cursor": first.json()["next_cursor"]}
    )

    assert first.json()["items"] == [
        {"sku": "MUG-BLUE", "name": "Mug-Blue", "unit_price_cents": 1250}
    ]
    assert second.json() == {
        "items": [
            {"sku": "TEA-EARL-GREY", "name": "Tea-Earl-Grey", "unit_price_cents": 899}
        ],
        "next_cursor": None,
    }


@pytest.mark.parametrize("limit", [0, MAX_LIMIT + 1, "ten"])
async def test_a_page_size_out_of_range_is_a_422_naming_limit(
    client: AsyncClient, limit: int | str
) -> None:
    response = await client.get("/products", params={"limit": limit})

    error = assert_error(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["query.limit"]


async def test_a_cursor_that_is_not_one_is_a_422_naming_cursor(
    client: AsyncClient,
) -> None:
    response = await client.get("/products", params={"cursor": "page-2"})

    error = assert_error(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["query.cursor"]
