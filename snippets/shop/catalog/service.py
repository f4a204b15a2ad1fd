"""Business rules of the catalog domain."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.models import Product
from shop.catalog.repository import ProductRepository


class CatalogService:
    """What is on sale. Reading it needs no account."""

    def __init__(self, session: AsyncSession) -> None:
        self.products = ProductRepository(session)

    async def list_after(self, after_id: int, limit: int) -> Sequence[Product]:
        """A page of products in id order (``limit`` rows at most)."""
        return await self.products.list_after(after_id, limit)
