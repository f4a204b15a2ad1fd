"""The catalog's public interface: current prices, for other domains.

Orders look prices up here and never take them from the client: a request
schema accepts only what the client may decide, and the price is not that.
"""

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.repository import ProductRepository


# --8<-- [start:price-list]
class PriceList:
    """Current unit prices, looked up in the catalog."""

    def __init__(self, session: AsyncSession) -> None:
        self.products = ProductRepository(session)

    async def unit_prices(self, skus: Collection[str]) -> dict[str, int]:
        """Price in cents of each SKU that is on sale; unknown SKUs are absent."""
        return await self.products.prices(set(skus))
        # --8<-- [end:price-list]
