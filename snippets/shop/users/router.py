"""HTTP endpoints of the users domain: thin, they translate HTTP to service calls."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from shop.core.config import Settings, get_app_settings
from shop.core.errors import ERROR_RESPONSES
from shop.shared.pagination import MAX_ID, Cursor, Limit, Page, paginate
from shop.users.dependencies import CurrentUser, get_user_service
from shop.users.schemas import TokenResponse, UserCreate, UserResponse, UserUpdate
from shop.users.service import UserService

router = APIRouter(tags=["users"], responses=ERROR_RESPONSES)

Service = Annotated[UserService, Depends(get_user_service)]


# --8<-- [start:register]
@router.post("/users", status_code=status.HTTP_201_CREATED)
async def register(
    data: UserCreate, service: Service, response: Response
) -> UserResponse:
    """Create an account. The email must not be registered yet (409 otherwise)."""
    user = await service.register(data)
    response.headers["Location"] = f"/users/{user.id}"
    return UserResponse.model_validate(user)
    # --8<-- [end:register]


@router.post("/auth/token")
async def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    service: Service,
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> TokenResponse:
    """Exchange email (as ``username``) and password for a bearer token."""
    user = await service.authenticate(form.username, form.password)
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token = service.issue_token(user, secret=settings.jwt_secret, lifetime=lifetime)
    return TokenResponse(access_token=token, expires_in=int(lifetime.total_seconds()))


# --8<-- [start:me]
@router.get("/users/me")
async def read_me(current_user: CurrentUser) -> UserResponse:
    """The signed-in user."""
    return current_user


@router.patch("/users/me")
async def update_me(
    data: UserUpdate, current_user: CurrentUser, service: Service
) -> UserResponse:
    """Change the signed-in user's name and/or password."""
    user = await service.get(current_user.id)
    return UserResponse.model_validate(await service.update(user, data))
    # --8<-- [end:me]


@router.get("/users/{user_id}")
async def read_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    _: CurrentUser,
    service: Service,
) -> UserResponse:
    """Any user by id (sign-in required); served from the cache when possible."""
    return await service.get_profile(user_id)


@router.get("/users")
async def list_users(
    _: CurrentUser,
    service: Service,
    cursor: Annotated[Cursor | None, Query()] = None,
    limit: Annotated[Limit, Query()] = 20,
) -> Page[UserResponse]:
    """All users in registration order, a page at a time (sign-in required)."""
    rows = await service.list_after(cursor or 0, limit + 1)
    users, next_cursor = paginate(rows, limit)
    return Page(
        items=[UserResponse.model_validate(user) for user in users],
        next_cursor=next_cursor,
    )
