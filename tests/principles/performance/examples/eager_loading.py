"""Eager loading alone, runnable as is (PERF-EAGER-LOAD's Do).

The reference service does the same in ``shop.orders.models`` and
``shop.orders.repository``, with cursor pagination around it; this module
shows only the relationship, its ``lazy="raise"`` and the query's option.
"""

# --8<-- [start:orders]
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str]
    # lazy="raise": reading items that no query loaded is an error, never a
    # hidden query per order (nor MissingGreenlet, wherever it is first read).
    items: Mapped[list["OrderItem"]] = relationship(lazy="raise")


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str]
    quantity: Mapped[int]


async def latest_orders(
    session: AsyncSession, customer: str, limit: int = 20
) -> list[Order]:
    """A customer's latest orders with their items: two queries, however many."""
    query = (
        select(Order)
        .where(Order.customer == customer)
        .options(selectinload(Order.items))  # one IN (...) query for all items
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))
    # --8<-- [end:orders]
