"""FastAPI dependencies of the users domain.

``get_current_user`` (and its alias ``CurrentUser``) is the users domain's
public interface: other domains authenticate requests through it and never
import the users model, repository or service.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings, get_app_settings
from shop.core.database import get_db
from shop.shared.cache import Cache
from shop.shared.exceptions import NotFoundError, UnauthorizedError
from shop.users.schemas import UserResponse
from shop.users.security import PasswordHasher, read_access_token
from shop.users.service import UserService

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


def get_password_hasher(request: Request) -> PasswordHasher:
    """Dependency: the app's one hasher, which bounds concurrent hashes."""
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


def get_user_service(
    db: Annotated[AsyncSession, Depends(get_db)],
    passwords: Annotated[PasswordHasher, Depends(get_password_hasher)],
    cache: Cache,
) -> UserService:
    """Dependency: a ``UserService`` bound to the request's session and the cache."""
    return UserService(db, passwords, cache)


# --8<-- [start:current-user]
async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    service: Annotated[UserService, Depends(get_user_service)],
) -> UserResponse:
    """Dependency: the user the bearer token was issued to.

    A valid token is refused if its account no longer exists, or if the
    password changed after it was issued (the token version moved on).
    """
    user_id, token_version = read_access_token(token, secret=settings.jwt_secret)
    try:
        user = await service.get(user_id)
    except NotFoundError:
        raise UnauthorizedError("Invalid or expired token") from None
    if user.token_version != token_version:
        raise UnauthorizedError("Invalid or expired token")
    current_user = UserResponse.model_validate(user)
    # End the read: the handler may hash a password or call another service
    # before it queries again, and must not hold a pooled connection meanwhile.
    await service.session.commit()
    return current_user


CurrentUser = Annotated[UserResponse, Depends(get_current_user)]
"""Annotate a handler parameter with this to require a signed-in user."""
# --8<-- [end:current-user]
