"""The rows the scenarios read, written once into a freshly migrated database.

Five users, four of them owning the orders one group of scenarios reads:

* the listing user: as many orders as the largest N+1 listing, each with
  ``items_per_order`` items;
* the paging user: ``deepest depth + page size + 1`` orders, without items,
  for offset and cursor pages, interleaved with three times as many
  orders of a neighbour (one id in four is the paging user's), so the
  planner picks its path as it would in a table many users share, not in
  one that holds nearly nothing else;
* the ETag user: one order with ``etag_items`` items;
* the profile user, whose profile the cache scenario reads.

Rows go in with ``INSERT ... SELECT generate_series(...)`` (seconds, not
minutes, for 100,000 orders), then ``VACUUM ANALYZE`` so the planner has
statistics, as it would on a database that has been running for a while.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

# One order in this many belongs to the paging user.
PAGING_SHARE = 4


@dataclass(frozen=True)
class Sizes:
    listing_sizes: tuple[int, ...]
    items_per_order: int
    paging_depths: tuple[int, ...]
    page_size: int
    etag_items: int


FULL = Sizes(
    listing_sizes=(10, 100, 1_000),
    items_per_order=3,
    paging_depths=(0, 1_000, 10_000, 100_000),
    page_size=20,
    etag_items=10,
)
QUICK = Sizes(
    listing_sizes=(10, 100),
    items_per_order=3,
    paging_depths=(0, 100, 1_000),
    page_size=20,
    etag_items=10,
)


@dataclass(frozen=True)
class Dataset:
    sizes: Sizes
    listing_user: int
    paging_user: int
    etag_user: int
    etag_order: int
    profile_user: int
    order_rows: int
    item_rows: int


async def _user(conn: AsyncConnection, email: str) -> int:
    user_id = await conn.scalar(
        text(
            "INSERT INTO users (email, name, password_hash)"
            " VALUES (:email, :name, 'not a usable hash') RETURNING id"
        ),
        {"email": email, "name": email.split("@")[0].title()},
    )
    return int(user_id)


async def _orders(conn: AsyncConnection, user_id: int, count: int, items: int) -> None:
    await conn.execute(
        text("INSERT INTO orders (user_id) SELECT :user FROM generate_series(1, :n)"),
        {"user": user_id, "n": count},
    )
    if items:
        await conn.execute(
            text(
                "INSERT INTO order_items (order_id, sku, quantity, unit_price_cents)"
                " SELECT o.id, 'SKU-' || s, s, 250 * s"
                " FROM orders o CROSS JOIN generate_series(1, :items) s"
                " WHERE o.user_id = :user ORDER BY o.id, s"
            ),
            {"user": user_id, "items": items},
        )


async def seed(database_url: str, sizes: Sizes) -> Dataset:
    """Write the scenarios' rows into the (migrated, empty) database."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            listing_user = await _user(conn, "listing@example.com")
            paging_user = await _user(conn, "paging@example.com")
            etag_user = await _user(conn, "etag@example.com")
            profile_user = await _user(conn, "profile@example.com")
            await _orders(
                conn, listing_user, max(sizes.listing_sizes), sizes.items_per_order
            )
            neighbour = await _user(conn, "neighbour@example.com")
            paging_rows = max(sizes.paging_depths) + sizes.page_size + 1
            await conn.execute(
                text(
                    "INSERT INTO orders (user_id)"
                    " SELECT CASE WHEN s % CAST(:share AS int) = 0 THEN CAST(:user AS bigint)"
                    " ELSE CAST(:neighbour AS bigint) END"
                    " FROM generate_series(1, CAST(:share AS int) * CAST(:n AS int)) s"
                ),
                {
                    "user": paging_user,
                    "neighbour": neighbour,
                    "n": paging_rows,
                    "share": PAGING_SHARE,
                },
            )
            await _orders(conn, etag_user, 1, sizes.etag_items)
            etag_order = await conn.scalar(
                text("SELECT id FROM orders WHERE user_id = :user"), {"user": etag_user}
            )
            order_rows = await conn.scalar(text("SELECT count(*) FROM orders"))
            item_rows = await conn.scalar(text("SELECT count(*) FROM order_items"))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return Dataset(
        sizes=sizes,
        listing_user=listing_user,
        paging_user=paging_user,
        etag_user=etag_user,
        etag_order=int(etag_order),
        profile_user=profile_user,
        order_rows=int(order_rows or 0),
        item_rows=int(item_rows or 0),
    )
