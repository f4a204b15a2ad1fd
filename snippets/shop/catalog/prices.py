"""The catalog's public interface: current prices, for other domains.

Orders look prices up here and never take them from the client: a request
schema accepts only what the client may decide, and the price is not that.
"""

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.repository import ProductRepository
from shop.core.database import get_db


# --8<-- [start:price-list]
class PriceList:
    """Current unit prices, looked up in the catalog."""

    def __init__(self, session: AsyncSession) -> None:
        self.products = ProductRepository(session)

    async def unit_prices(self, skus: Collection[str]) -> dict[str, int]:
        """Price in cents of each SKU that is on sale; unknown SKUs are absent."""
        return await self.products.prices(set(skus))


async def get_price_list(db: Annotated[AsyncSession, Depends(get_db)]) -> PriceList:
    """Dependency: the price list, on the request's session."""
    return PriceList(db)
    # --8<-- [end:price-list]
