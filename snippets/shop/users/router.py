"""HTTP endpoints of the users domain: thin, they translate HTTP to service calls."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response, status

from shop.core.config import Settings
from shop.core.dependencies import get_app_settings
from shop.core.errors import ERROR_RESPONSES
from shop.shared.exceptions import NotFoundError
from shop.shared.url_params import ResourceId
from shop.users.dependencies import ClientAddress, CurrentUser, get_user_service
from shop.users.schemas import (
    SignInForm,
    TokenResponse,
    UserCreate,
    UserResponse,
    UserUpdate,
)
from shop.users.service import UserService

router = APIRouter(tags=["users"], responses=ERROR_RESPONSES)

Service = Annotated[UserService, Depends(get_user_service)]


# --8<-- [start:register]
@router.post("/users", status_code=status.HTTP_201_CREATED)
async def register(
    data: UserCreate, service: Service, response: Response, client: ClientAddress
) -> UserResponse:
    """Create an account. The email must not be registered yet (409 otherwise)."""
    user = await service.register(data, client=client)
    response.headers["Location"] = f"/users/{user.id}"
    return UserResponse.model_validate(user)
    # --8<-- [end:register]


@router.post("/auth/token")
async def issue_token(
    form: Annotated[SignInForm, Form()],
    service: Service,
    settings: Annotated[Settings, Depends(get_app_settings)],
    client: ClientAddress,
) -> TokenResponse:
    """Exchange email (as ``username``) and password for a bearer token.

    Failed attempts are limited per account and per client address: past
    the limit, a 429 with ``Retry-After``, even for the right password.
    """
    user = await service.authenticate(
        form.username, form.password.get_secret_value(), client=client
    )
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token = service.issue_token(user, secret=settings.jwt_secret, lifetime=lifetime)
    return TokenResponse(access_token=token, expires_in=int(lifetime.total_seconds()))


# --8<-- [start:me]
# Departs from API-ETAG: an account is read once per sign-in and never
# polled, so a validator would save nothing; orders carry the ETag.
@router.get("/users/me")
async def read_me(current_user: CurrentUser) -> UserResponse:
    """The signed-in user."""
    return current_user


@router.patch("/users/me")
async def update_me(
    data: UserUpdate, current_user: CurrentUser, service: Service, client: ClientAddress
) -> UserResponse:
    """Change the signed-in user's name and/or password.

    A new password needs ``current_password`` (403 if it is wrong) and signs
    out every session: tokens issued before it stop working, this
    request's included.
    """
    user = await service.update(current_user.id, data, client=client)
    return UserResponse.model_validate(user)
    # --8<-- [end:me]


# --8<-- [start:read-user]
# Departs from API-ETAG: as for /users/me, an account is not polled.
@router.get("/users/{user_id}")
async def read_user(
    user_id: ResourceId,
    current_user: CurrentUser,
    service: Service,
) -> UserResponse:
    """A user by id: only your own account; any other id is a 404.

    There is no endpoint that lists users, and no way to read someone
    else's email: an account's existence is not for other users to learn.
    Served from the cache when it holds a copy.
    """
    if user_id != current_user.id:
        raise NotFoundError("User not found")
    # The caller's own row, whatever the path says: scoped to the caller.
    return await service.get_profile(current_user.id)
    # --8<-- [end:read-user]
