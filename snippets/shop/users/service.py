"""Business rules of the users domain."""

from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.shared.cache import ResponseCache
from shop.shared.exceptions import ConflictError, NotFoundError, UnauthorizedError
from shop.users import security
from shop.users.models import User
from shop.users.repository import UserRepository
from shop.users.schemas import UserCreate, UserResponse, UserUpdate
from shop.users.security import PasswordHasher


class UserService:
    """Registration, sign-in and profile changes.

    Password hashing is slow on purpose (~0.2 s). No method holds a
    database connection while it hashes: under a burst of sign-ins, the
    connection pool would run dry waiting on the CPU.
    """

    def __init__(
        self, session: AsyncSession, passwords: PasswordHasher, cache: ResponseCache
    ) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.passwords = passwords
        self.cache = cache

    # --8<-- [start:register-service]
    async def register(self, data: UserCreate) -> User:
        """Create an account; ``ConflictError`` if the email is taken."""
        # Hashed first, before any query: every registration costs the same,
        # and no connection is checked out while the CPU works.
        password_hash = await self.passwords.hash(data.password.get_secret_value())
        if await self.users.get_by_email(data.email) is not None:
            raise ConflictError("Email already registered")
        user = User(email=data.email, name=data.name, password_hash=password_hash)
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

    # --8<-- [start:authenticate]
    async def authenticate(self, email: str, password: str) -> User:
        """The user these credentials belong to; ``UnauthorizedError`` otherwise."""
        user = await self.users.get_by_email(email.lower())
        # End the read transaction: its connection goes back to the pool
        # before the slow part. `user` stays usable (expire_on_commit=False).
        await self.session.commit()
        if user is None:
            await self.passwords.verify_against_decoy(password)
            raise UnauthorizedError("Incorrect email or password")
        if not await self.passwords.verify(password, user.password_hash):
            raise UnauthorizedError("Incorrect email or password")
        return user
        # --8<-- [end:authenticate]

    def issue_token(self, user: User, *, secret: SecretStr, lifetime: timedelta) -> str:
        """An access token for ``user``, valid until it expires or is revoked."""
        return security.create_access_token(
            user.id, token_version=user.token_version, secret=secret, lifetime=lifetime
        )

    async def get(self, user_id: int) -> User:
        """The user with this id; ``NotFoundError`` if there is none."""
        user = await self.users.get(user_id)
        if user is None:
            raise NotFoundError("User not found")
        return user

    # --8<-- [start:cached-profile]
    async def get_profile(self, user_id: int) -> UserResponse:
        """A user's profile, from the cache when it holds a copy.

        Not for authentication: a deleted account or a changed password must
        stop a token at once, not when a cached copy expires.
        """

        async def from_database() -> UserResponse:
            return UserResponse.model_validate(await self.get(user_id))

        key = profile_cache_key(user_id)
        return await self.cache.read_through(key, UserResponse, from_database)
        # --8<-- [end:cached-profile]

    # --8<-- [start:update]
    async def update(self, user_id: int, data: UserUpdate) -> User:
        """Change the fields present in ``data``.

        A new password revokes every token issued before it.
        """
        new_hash = None
        if data.password is not None:
            new_hash = await self.passwords.hash(data.password.get_secret_value())
        user = await self.get(user_id)
        if data.name is not None:
            user.name = data.name
        if new_hash is not None:
            user.password_hash = new_hash
            user.token_version += 1
        await self.session.commit()
        # --8<-- [start:invalidate]
        # After the commit: invalidating first would let a read in between
        # take a fresh lease, load the old row and store it for a whole TTL.
        await self.cache.invalidate(profile_cache_key(user.id))
        # --8<-- [end:invalidate]
        return user
        # --8<-- [end:update]


def profile_cache_key(user_id: int) -> str:
    """Cache key of a profile. Bump ``v1`` when ``UserResponse`` changes shape."""
    return f"shop:users:profile:v1:{user_id}"
