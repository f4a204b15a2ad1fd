"""Database model of the catalog domain."""

from sqlalchemy import BigInteger, CheckConstraint, Identity, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.shared.base_model import Base


class Product(Base):
    """Something a customer can order, at the price the shop sets."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_price_cents > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_price_cents: Mapped[int] = mapped_column(Integer)
