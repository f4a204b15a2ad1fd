"""Database queries of the orders domain."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shop.orders.models import Order


class OrderRepository:
    """Reads and writes orders, always together with their items."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_for_user(self, order_id: int, user_id: int) -> Order | None:
        """The order with this id if ``user_id`` placed it, else ``None``."""
        query = (
            select(Order)
            .where(Order.id == order_id, Order.user_id == user_id)
            .options(selectinload(Order.items))
        )
        return await self.session.scalar(query)

    # --8<-- [start:list-query]
    async def list_for_user(
        self, user_id: int, after_id: int, limit: int
    ) -> Sequence[Order]:
        """Up to ``limit`` of the user's orders with ids above ``after_id``.

        Two queries however many orders match: one for the orders, one
        ``IN (...)`` query for all their items.
        """
        query = (
            select(Order)
            .where(Order.user_id == user_id, Order.id > after_id)
            .order_by(Order.id)
            .limit(limit)
            .options(selectinload(Order.items))
        )
        return (await self.session.scalars(query)).all()
        # --8<-- [end:list-query]

    def add(self, order: Order) -> None:
        """Stage a new order (and its items) for insertion at the next flush."""
        self.session.add(order)
