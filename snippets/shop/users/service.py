"""Business rules of the users domain."""

from collections.abc import Sequence
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.shared.exceptions import ConflictError, NotFoundError, UnauthorizedError
from shop.users import security
from shop.users.models import User
from shop.users.repository import UserRepository
from shop.users.schemas import UserCreate, UserUpdate


class UserService:
    """Registration, sign-in and profile changes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)

    # --8<-- [start:register-service]
    async def register(self, data: UserCreate) -> User:
        """Create an account; ``ConflictError`` if the email is taken."""
        if await self.users.get_by_email(data.email) is not None:
            raise ConflictError("Email already registered")
        user = User(
            email=data.email,
            name=data.name,
            password_hash=security.hash_password(data.password.get_secret_value()),
        )
        self.users.add(user)
        try:
            await self.session.commit()
        except IntegrityError:
            # Two registrations raced past the check above; the unique
            # index decided, and the loser gets the same answer as above.
            await self.session.rollback()
            raise ConflictError("Email already registered") from None
        return user
        # --8<-- [end:register-service]

    async def authenticate(self, email: str, password: str) -> User:
        """The user these credentials belong to; ``UnauthorizedError`` otherwise."""
        user = await self.users.get_by_email(email.lower())
        if user is None:
            security.verify_against_decoy(password)
            raise UnauthorizedError("Incorrect email or password")
        if not security.verify_password(password, user.password_hash):
            raise UnauthorizedError("Incorrect email or password")
        return user

    def issue_token(self, user: User, *, secret: SecretStr, lifetime: timedelta) -> str:
        """An access token for ``user``."""
        return security.create_access_token(user.id, secret=secret, lifetime=lifetime)

    async def get(self, user_id: int) -> User:
        """The user with this id; ``NotFoundError`` if there is none."""
        user = await self.users.get(user_id)
        if user is None:
            raise NotFoundError("User not found")
        return user

    async def list_after(self, after_id: int, limit: int) -> Sequence[User]:
        """A page of users in id order (``limit`` rows at most)."""
        return await self.users.list_after(after_id, limit)

    async def update(self, user: User, data: UserUpdate) -> User:
        """Change the fields present in ``data``."""
        if data.name is not None:
            user.name = data.name
        if data.password is not None:
            user.password_hash = security.hash_password(
                data.password.get_secret_value()
            )
        await self.session.commit()
        return user
