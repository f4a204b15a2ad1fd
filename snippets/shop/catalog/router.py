"""HTTP endpoints of the catalog domain."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.repository import ProductRepository
from shop.catalog.schemas import ProductResponse
from shop.core.database import get_db
from shop.core.errors import ERROR_RESPONSES
from shop.shared.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/products", tags=["catalog"], responses=ERROR_RESPONSES)


@router.get("")
async def list_products(
    db: Annotated[AsyncSession, Depends(get_db)],
    paging: Annotated[PageRequest, Depends(page_request)],
) -> Page[ProductResponse]:
    """Everything on sale, with prices, a page at a time (no sign-in needed)."""
    rows = await ProductRepository(db).list_after(paging.after_id, paging.limit + 1)
    products, next_cursor = paging.split(rows)
    return Page(
        items=[ProductResponse.model_validate(p) for p in products],
        next_cursor=next_cursor,
    )
