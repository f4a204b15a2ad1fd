"""FastAPI dependencies of the users domain.

``get_current_user`` (and its alias ``CurrentUser``) is the users domain's
public interface: other domains authenticate requests through it and never
import the users model, repository or service.
"""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings, get_app_settings
from shop.core.database import get_db
from shop.shared.cache import Cache
from shop.shared.exceptions import NotFoundError, UnauthorizedError
from shop.users.schemas import UserResponse
from shop.users.security import read_access_token
from shop.users.service import UserService

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


def get_user_service(
    db: Annotated[AsyncSession, Depends(get_db)], cache: Cache
) -> UserService:
    """Dependency: a ``UserService`` bound to the request's session and the cache."""
    return UserService(db, cache)


# --8<-- [start:current-user]
async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    service: Annotated[UserService, Depends(get_user_service)],
) -> UserResponse:
    """Dependency: the user the bearer token was issued to.

    A valid token for an account that no longer exists is rejected like a
    forged one: a token proves identity only while the identity exists.
    """
    user_id = read_access_token(token, secret=settings.jwt_secret)
    try:
        user = await service.get(user_id)
    except NotFoundError:
        raise UnauthorizedError("Invalid or expired token") from None
    return UserResponse.model_validate(user)


CurrentUser = Annotated[UserResponse, Depends(get_current_user)]
"""Annotate a handler parameter with this to require a signed-in user."""
# --8<-- [end:current-user]
