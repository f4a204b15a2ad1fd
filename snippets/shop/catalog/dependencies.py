"""FastAPI dependencies of the catalog domain."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.service import CatalogService
from shop.core.database import get_db


async def get_catalog_service(
    db: Annotated[AsyncSession, Depends(get_db)],
) -> CatalogService:
    """Dependency: a ``CatalogService`` bound to the request's session."""
    return CatalogService(db)
