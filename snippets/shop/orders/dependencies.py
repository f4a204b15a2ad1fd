"""FastAPI dependencies of the orders domain."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.prices import PriceList
from shop.core.database import get_db
from shop.orders.service import OrderService


async def get_order_service(
    db: Annotated[AsyncSession, Depends(get_db)],
) -> OrderService:
    """Dependency: an ``OrderService`` bound to the request's session."""
    return OrderService(db, PriceList(db))
