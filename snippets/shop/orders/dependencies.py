"""FastAPI dependencies of the orders domain."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.prices import PriceList, get_price_list
from shop.core.database import get_db
from shop.orders.service import OrderService


async def get_order_service(
    db: Annotated[AsyncSession, Depends(get_db)],
    prices: Annotated[PriceList, Depends(get_price_list)],
) -> OrderService:
    """Dependency: an ``OrderService`` bound to the request's session."""
    return OrderService(db, prices)
