"""Database models of the orders domain."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.shared.base_model import Base


# --8<-- [start:order-model]
# --8<-- [start:lead-order-index]
class Order(Base):
    """An order placed by a user."""

    __tablename__ = "orders"
    __table_args__ = (
        # Serves both "this user's orders, by id" (the listing) and the
        # foreign key on user_id, as its leading column.
        Index("ix_orders_user_id_id", "user_id", "id"),
    )
    # --8<-- [end:lead-order-index]

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # By table name, not by importing User: orders must not depend on the
    # users domain's internals.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    # lazy="raise": an accidental lazy load (the N+1 pattern) fails in
    # tests instead of quietly issuing one query per order in production.
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderItem.id",
        lazy="raise",
    )
    # --8<-- [end:order-model]


# --8<-- [start:order-item-model]
class OrderItem(Base):
    """One line of an order: a quantity of one SKU at a unit price."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="items", lazy="raise")
    # --8<-- [end:order-item-model]
