"""Business rules of the orders domain."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.prices import PriceList
from shop.orders.models import Order, OrderItem
from shop.orders.repository import OrderRepository
from shop.orders.schemas import OrderCreate
from shop.shared.exceptions import FieldProblem, NotFoundError, UnprocessableError


class OrderService:
    """Placing orders and reading the caller's own orders."""

    def __init__(self, session: AsyncSession, prices: PriceList) -> None:
        self.session = session
        self.orders = OrderRepository(session)
        self.prices = prices

    # --8<-- [start:place]
    async def place(self, user_id: int, data: OrderCreate) -> Order:
        """Record a new order for ``user_id``, at the catalog's current prices."""
        skus = [item.sku for item in data.items]
        prices = await self.prices.unit_prices(skus)
        if unknown := sorted(set(skus) - prices.keys()):
            raise UnprocessableError(
                f"Unknown SKU: {', '.join(unknown)}",
                problems=[
                    FieldProblem(("items", line, "sku"), "Unknown SKU", "unknown_sku")
                    for line, sku in enumerate(skus)
                    if sku not in prices
                ],
            )
        order = Order(
            user_id=user_id,
            items=[
                OrderItem(
                    sku=item.sku,
                    quantity=item.quantity,
                    # The price at the time of the order, kept with the order.
                    unit_price_cents=prices[item.sku],
                )
                for item in data.items
            ],
        )
        self.orders.add(order)
        await self.session.commit()
        return order
        # --8<-- [end:place]

    async def get(self, order_id: int, user_id: int) -> Order:
        """One of the user's orders.

        Someone else's order raises ``NotFoundError`` exactly like a missing
        one: a 403 would confirm that the id exists.
        """
        order = await self.orders.get_for_user(order_id, user_id)
        if order is None:
            raise NotFoundError("Order not found")
        return order

    async def list_after(
        self, user_id: int, after_id: int, limit: int
    ) -> Sequence[Order]:
        """A page of the user's orders in id order (``limit`` rows at most)."""
        return await self.orders.list_for_user(user_id, after_id, limit)
