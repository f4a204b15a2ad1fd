"""HTTP endpoints of the catalog domain."""

from typing import Annotated

from fastapi import APIRouter, Depends

from shop.catalog.dependencies import get_catalog_service
from shop.catalog.schemas import ProductResponse
from shop.catalog.service import CatalogService
from shop.core.errors import ERROR_RESPONSES
from shop.shared.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/products", tags=["catalog"], responses=ERROR_RESPONSES)

Service = Annotated[CatalogService, Depends(get_catalog_service)]


@router.get("")
async def list_products(
    service: Service, paging: Annotated[PageRequest, Depends(page_request)]
) -> Page[ProductResponse]:
    """Everything on sale, with prices, a page at a time (no sign-in needed)."""
    rows = await service.list_after(paging.after_id, paging.limit + 1)
    products, next_cursor = paging.split(rows)
    return Page(
        items=[ProductResponse.model_validate(p) for p in products],
        next_cursor=next_cursor,
    )
