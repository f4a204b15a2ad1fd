"""Evidence for API-CURSOR-PAGINATION: the index the page says matches the query,
and the plans PostgreSQL makes for the service's own cursor query."""

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from benchmarks import dataset, results
from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.orders.repository import OrderRepository
from tests.support.pages import prose
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    DatabaseFactory,
    ProductFactory,
    build_app,
    client_for,
    load_script,
)

PAGE = DOCS_DIR / "principles" / "api" / "cursor-pagination.md"
CUSTOMERS = 500
ORDERS = 100_000
PAGE_ROWS = 21  # the default limit of 20, plus one to see if a page follows


async def test_the_migrations_create_an_index_on_user_id_then_id(
    session: AsyncSession,
) -> None:
    definitions = (
        await session.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders'")
        )
    ).all()

    assert any(d.endswith("(user_id, id)") for d in definitions), definitions
    assert "creates an index on `(user_id, id)`" in prose(PAGE)


async def test_cursors_are_signed_with_a_key_derived_from_the_jwt_secret(
    settings: Settings, session: AsyncSession, add_products: ProductFactory
) -> None:
    """Two deployments with one secret accept each other's cursors; a
    deployment with another secret refuses them."""
    await add_products({"MUG-1": 1299, "MUG-2": 1499, "MUG-3": 999})
    other_secret = SecretStr(secrets.token_urlsafe(48))
    first, same_secret, other = (
        build_app(settings, session),
        build_app(settings, session),
        build_app(settings.model_copy(update={"jwt_secret": other_secret}), session),
    )

    async with client_for(first) as client:
        page = await client.get("/products", params={"limit": 1})
    cursor = page.json()["next_cursor"]
    assert cursor is not None
    answers = {}
    for name, app in (("same secret", same_secret), ("other secret", other)):
        async with client_for(app) as client:
            resumed = await client.get("/products", params={"cursor": cursor})
        answers[name] = resumed.status_code

    assert answers == {"same secret": 200, "other secret": 422}
    assert "under a key derived from the app's JWT secret" in prose(PAGE)


@pytest.fixture(scope="module")
async def shared_orders(create_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    """100,000 orders: three in four spread over 500 customers in turn, one in
    four owned by one large customer, ids interleaved as time would; analysed."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (email, name, password_hash)"
                " SELECT 'customer-' || s || '@example.com', 'Customer ' || s,"
                " 'not a usable hash' FROM generate_series(1, :n) s"
            ),
            {"n": CUSTOMERS + 1},
        )
        # Customer CUSTOMERS + 1 is the large one.
        await conn.execute(
            text(
                "INSERT INTO orders (user_id)"
                " SELECT CASE WHEN s % 4 = 0 THEN CAST(:large AS bigint)"
                " ELSE 1 + (s / 4) % CAST(:customers AS bigint) END"
                " FROM generate_series(1, CAST(:orders AS int)) s"
            ),
            {"large": CUSTOMERS + 1, "customers": CUSTOMERS, "orders": ORDERS},
        )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        # Statistics, as a database that has been running a while has them.
        await conn.execute(text("VACUUM ANALYZE orders"))
    yield engine
    await engine.dispose()


async def _plans(engine: AsyncEngine, user_id: int, depth: int) -> dict[str, Any]:
    """The plans of the statement ``list_for_user`` sends, ``depth`` rows in.

    Custom: planned for these values, as PostgreSQL plans a statement's
    first runs. Generic: planned for any values, which it may switch to
    after five runs of one prepared statement (asyncpg prepares them).
    """
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if "FROM orders" in statement and "LIMIT" in statement:
            sent.append((statement, parameters))

    async with AsyncSession(engine) as session:
        after = await session.scalar(
            text(
                "SELECT coalesce(max(id), 0) FROM (SELECT id FROM orders"
                " WHERE user_id = :user ORDER BY id LIMIT :depth) first_rows"
            ),
            {"user": user_id, "depth": depth},
        )
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            rows = await OrderRepository(session).list_for_user(
                user_id, after, PAGE_ROWS
            )
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(rows) == PAGE_ROWS
    ((statement, parameters),) = sent
    assert "WHERE orders.user_id = $1::BIGINT AND orders.id > $2::BIGINT" in statement
    plans: dict[str, Any] = {}
    async with engine.connect() as conn:
        await conn.exec_driver_sql(
            f"PREPARE cursor_page(bigint, bigint, int) AS {statement}"
        )
        for mode in ("custom", "generic"):
            await conn.exec_driver_sql(f"SET plan_cache_mode = force_{mode}_plan")
            (plan,) = await conn.scalar(
                text(
                    "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE cursor_page("
                    + ", ".join(str(int(value)) for value in parameters)
                    + ")"
                )
            )
            limit = plan["Plan"]
            assert limit["Node Type"] == "Limit"
            (scan,) = limit["Plans"]
            plans[mode] = scan
        await conn.exec_driver_sql("DEALLOCATE cursor_page")
    return plans


def _summary(scan: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return (
        scan["Node Type"],
        scan["Index Name"],
        scan["Index Cond"],
        scan.get("Filter"),
    )


USER_ID_ID = (
    "Index Scan",
    "ix_orders_user_id_id",
    "((user_id = $1) AND (id > $2))",
    None,
)


@pytest.mark.parametrize("depth", [0, 100])
async def test_a_customers_page_is_read_through_the_user_id_id_index(
    shared_orders: AsyncEngine, depth: int
) -> None:
    customer = 7  # about 150 orders, like every customer but the large one

    plans = await _plans(shared_orders, customer, depth)

    assert _summary(plans["custom"]) == (
        "Index Scan",
        "ix_orders_user_id_id",
        f"((user_id = '{customer}'::bigint) AND (id > {_cursor(plans)}))",
        None,
    )
    # Both conditions bound the scan: it reads the page's rows and no others.
    assert plans["custom"]["Actual Rows"] == PAGE_ROWS
    assert _summary(plans["generic"]) == USER_ID_ID


def _cursor(plans: dict[str, Any]) -> str:
    """The cursor's value as the custom plan prints it: ``'66025'::bigint``."""
    condition: str = plans["custom"]["Index Cond"]
    return condition.rsplit("id > ", 1)[1].rstrip(")")


@pytest.mark.parametrize("depth", [0, 20_000])
async def test_a_customer_with_a_quarter_of_the_orders_is_paged_along_the_primary_key(
    shared_orders: AsyncEngine, depth: int
) -> None:
    large = CUSTOMERS + 1  # one order in four is theirs

    plans = await _plans(shared_orders, large, depth)

    node, index, condition, row_filter = _summary(plans["custom"])
    assert (node, index) == ("Index Scan", "pk_orders")
    assert condition == f"(id > {_cursor(plans)})"
    assert row_filter == f"(user_id = '{large}'::bigint)"
    # One row in four matches: the page reads about four rows for each it returns.
    assert plans["custom"]["Actual Rows"] == PAGE_ROWS
    assert plans["custom"]["Rows Removed by Filter"] <= 3 * PAGE_ROWS
    # Planned for any values, it keeps to the index.
    assert _summary(plans["generic"]) == USER_ID_ID


def test_the_cursor_plan_on_the_results_page_is_the_large_customers() -> None:
    (scenario,) = [s for s in results.load()["scenarios"] if s["name"] == "pagination"]
    (cursor_plan,) = [p for name, p in scenario["plans"].items() if "cursor" in name]

    assert dataset.PAGING_SHARE == 4  # the paging user owns one order in four
    assert "Index Scan using pk_orders" in cursor_plan
    assert "Filter: (user_id = " in cursor_plan
    assert (
        "The cursor plan on the results page is this one, for a customer with "
        "the same share" in prose(PAGE)
    )


def test_the_page_says_what_the_plans_show() -> None:
    page = prose(PAGE)
    assert (
        "`Index Scan using ix_orders_user_id_id` with "
        "`Index Cond: ((user_id = $1) AND (id > $2))`"
    ) in page
    assert "`Index Scan using pk_orders` with `Filter: (user_id = ...)`" in page
    assert "at most three for each row it keeps" in page
    assert (
        f"{ORDERS:,} analysed orders: three in four spread over {CUSTOMERS} customers"
        in page
    )


def _scan_rows(plan: dict[str, Any]) -> int:
    """The rows the scan under the plan's Limit node produced."""
    limit = plan["Plan"]
    assert limit["Node Type"] == "Limit", limit
    [scan] = limit["Plans"]
    rows: int = scan["Actual Rows"]
    return rows


async def test_offset_reads_every_row_it_skips_and_a_cursor_does_not(
    session: AsyncSession,
) -> None:
    await session.execute(
        text("CREATE TEMPORARY TABLE numbered (id bigint PRIMARY KEY)")
    )
    await session.execute(text("INSERT INTO numbered SELECT generate_series(1, 5000)"))
    await session.execute(text("ANALYZE numbered"))
    offset = "SELECT id FROM numbered ORDER BY id LIMIT 20 OFFSET 4000"
    cursor = "SELECT id FROM numbered WHERE id > 4000 ORDER BY id LIMIT 20"

    [offset_plan] = await session.scalar(
        text(f"EXPLAIN (ANALYZE, FORMAT JSON) {offset}")
    )
    [cursor_plan] = await session.scalar(
        text(f"EXPLAIN (ANALYZE, FORMAT JSON) {cursor}")
    )

    # The same twenty rows: OFFSET reads the 4,000 before them too.
    assert _scan_rows(offset_plan) == 4020
    assert _scan_rows(cursor_plan) == 20


async def test_an_order_committed_late_behind_the_cursor_is_skipped(
    create_database: DatabaseFactory,
) -> None:
    """PostgreSQL hands out an id at insert, not at commit: an order whose
    transaction took a lower id and commits after a page was read sits behind
    the cursor, so no later page lists it."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    engine = create_async_engine(url)

    async def page(user_id: int, after_id: int, limit: int) -> list[int]:
        async with AsyncSession(engine) as session:
            orders = await OrderRepository(session).list_for_user(
                user_id, after_id, limit
            )
            return [order.id for order in orders]

    try:
        async with engine.begin() as connection:
            user_id = await connection.scalar(
                text(
                    "INSERT INTO users (email, name, password_hash)"
                    " VALUES ('ada@example.com', 'Ada', 'not a real hash')"
                    " RETURNING id"
                )
            )
        place = text("INSERT INTO orders (user_id) VALUES (:user_id) RETURNING id")
        async with engine.connect() as slow_checkout:
            # A checkout takes its order's id, then stays open a while.
            late = await slow_checkout.scalar(place, {"user_id": user_id})
            async with engine.begin() as connection:
                for _ in range(2):
                    await connection.execute(place, {"user_id": user_id})
            first_page = await page(user_id, after_id=0, limit=1)
            await slow_checkout.commit()

        rest = await page(user_id, after_id=first_page[-1], limit=100)
        everything = await page(user_id, after_id=0, limit=100)
    finally:
        await engine.dispose()

    assert first_page == [late + 1]
    assert late in everything
    assert late not in first_page + rest
    assert "committed late behind the cursor is not listed" in prose(PAGE)


def _arrays_outside_pages(
    schema: dict[str, Any],
    components: dict[str, Any],
    seen: frozenset[str] = frozenset(),
) -> list[str]:
    """Where ``schema`` holds an array that is not a page's ``items``."""
    if ref := schema.get("$ref"):
        name = ref.rsplit("/", 1)[-1]
        if name.startswith("Page_") or name in seen:
            return []
        return _arrays_outside_pages(components[name], components, seen | {name})
    found = ["array"] if schema.get("type") == "array" else []
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, []):
            found += _arrays_outside_pages(alternative, components, seen)
    # A map of lists is a list endpoint too; a resource's own bounded
    # fields (an order's lines) are not.
    if isinstance(schema.get("additionalProperties"), dict):
        found += _arrays_outside_pages(schema["additionalProperties"], components, seen)
    return found


def test_every_list_endpoint_is_a_page_with_a_cursor_and_a_limit(
    service_openapi: dict[str, Any],
) -> None:
    openapi = service_openapi
    pages = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            schema = (
                operation["responses"]
                .get("200", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            # No array outside a page: not the body, not one of its
            # alternatives, not the values of a map.
            arrays = _arrays_outside_pages(schema, openapi["components"]["schemas"])
            assert not arrays, (method, path, arrays)
            if schema.get("$ref", "").startswith("#/components/schemas/Page_"):
                names = {parameter["name"] for parameter in operation["parameters"]}
                assert {"cursor", "limit"} <= names, (method, path)
                pages.append(path)

    assert sorted(pages) == ["/orders", "/products"]
