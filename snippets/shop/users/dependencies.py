"""FastAPI dependencies of the users domain.

``get_current_user`` (and its alias ``CurrentUser``) is the users domain's
public interface: other domains authenticate requests through it and never
import the users model, repository or service.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.dependencies import Cache, get_app_settings
from shop.shared.state import lifespan_resource
from shop.users.schemas import UserResponse
from shop.users.security import PasswordHasher, read_access_token
from shop.users.service import UserService
from shop.users.throttling import SignInThrottle

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


async def get_password_hasher(request: Request) -> PasswordHasher:
    """Dependency: the app's one hasher, which bounds concurrent hashes."""
    return lifespan_resource(request.scope, "password_hasher", PasswordHasher)


async def get_sign_in_throttle(request: Request) -> SignInThrottle:
    """Dependency: the app's brute-force limits, shared by every worker."""
    return lifespan_resource(request.scope, "sign_in_throttle", SignInThrottle)


async def get_user_service(
    db: Annotated[AsyncSession, Depends(get_db)],
    passwords: Annotated[PasswordHasher, Depends(get_password_hasher)],
    cache: Cache,
    throttle: Annotated[SignInThrottle, Depends(get_sign_in_throttle)],
) -> UserService:
    """Dependency: a ``UserService`` bound to the request's session and the cache."""
    return UserService(db, passwords, cache, throttle)


async def client_address(request: Request) -> str:
    """Dependency: the address the request came from, as the server saw it.

    uvicorn replaces the peer's address with the one in ``X-Forwarded-For``
    only for peers listed in ``FORWARDED_ALLOW_IPS`` (127.0.0.1 and ::1 by
    default). Behind a proxy elsewhere, list the proxy there, or this is
    the proxy's address and the per-client limits count every user as one
    client; never list ``*`` where clients can connect directly, or each
    can claim a new address per request.
    """
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


# --8<-- [start:current-user]
async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    service: Annotated[UserService, Depends(get_user_service)],
) -> UserResponse:
    """Dependency: the user the bearer token was issued to.

    A valid token is refused if its account no longer exists, or if the
    password changed after it was issued (the token version moved on). The
    check's read is over before the handler runs: the handler may hash a
    password or call another service, and holds no pooled connection
    meanwhile.
    """
    user_id, token_version = read_access_token(token, secret=settings.jwt_secret)
    return await service.signed_in_user(user_id, token_version)


CurrentUser = Annotated[UserResponse, Depends(get_current_user)]
"""Annotate a handler parameter with this to require a signed-in user."""
# --8<-- [end:current-user]
