"""Database queries of the catalog domain."""

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.models import Product


class ProductRepository:
    """Reads products; knows SQL, not business rules."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def prices(self, skus: Collection[str]) -> dict[str, int]:
        """Unit price in cents of each of ``skus`` that exists, in one query."""
        query = select(Product.sku, Product.unit_price_cents).where(
            Product.sku.in_(skus)
        )
        rows = await self.session.execute(query)
        return dict(rows.all())

    async def list_after(self, after_id: int, limit: int) -> Sequence[Product]:
        """Up to ``limit`` products with ids above ``after_id``, in id order."""
        query = (
            select(Product)
            .where(Product.id > after_id)
            .order_by(Product.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()
