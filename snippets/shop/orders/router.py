"""HTTP endpoints of the orders domain."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from shop.core.errors import ERROR_RESPONSES
from shop.orders.dependencies import get_order_service
from shop.orders.schemas import OrderCreate, OrderResponse
from shop.orders.service import OrderService
from shop.shared.http_cache import matches_if_none_match, strong_etag
from shop.shared.pagination import Page, PageRequest, page_request
from shop.shared.url_params import ResourceId
from shop.users.dependencies import CurrentUser

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)

Service = Annotated[OrderService, Depends(get_order_service)]


# --8<-- [start:place-order]
@router.post("", status_code=status.HTTP_201_CREATED)
async def place_order(
    data: OrderCreate, current_user: CurrentUser, service: Service, response: Response
) -> OrderResponse:
    """Place an order for the signed-in user."""
    order = await service.place(current_user.id, data)
    response.headers["Location"] = f"/orders/{order.id}"
    return OrderResponse.model_validate(order)
    # --8<-- [end:place-order]


# --8<-- [start:read-order]
@router.get(
    "/{order_id}",
    response_model=OrderResponse,
    responses={
        status.HTTP_304_NOT_MODIFIED: {"description": "Unchanged since the given ETag"}
    },
)
async def read_order(
    order_id: ResourceId,
    current_user: CurrentUser,
    service: Service,
    if_none_match: Annotated[list[str] | None, Header()] = None,
) -> Response:
    """One of the signed-in user's orders, with an ``ETag`` for revalidation.

    Another user's order is a 404, the same as a missing one.
    """
    order = await service.get(order_id, current_user.id)
    body = OrderResponse.model_validate(order).model_dump_json().encode()
    headers = {
        "ETag": strong_etag(body),
        # Per-user data: shared caches must not keep it, browsers must ask.
        "Cache-Control": "private, no-cache",
    }
    if matches_if_none_match(if_none_match, headers["ETag"]):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)
    # --8<-- [end:read-order]


# --8<-- [start:list-orders]
@router.get("")
async def list_orders(
    current_user: CurrentUser,
    service: Service,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> Page[OrderResponse]:
    """The signed-in user's orders, oldest first, a page at a time."""
    rows = await service.list_after(current_user.id, paging.after_id, paging.limit + 1)
    orders, next_cursor = paging.split(rows)
    return Page(
        items=[OrderResponse.model_validate(order) for order in orders],
        next_cursor=next_cursor,
    )
    # --8<-- [end:list-orders]
