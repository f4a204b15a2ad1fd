"""Business rules of the users domain."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.shared.cache import ResponseCache
from shop.shared.exceptions import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from shop.users import security
from shop.users.models import User
from shop.users.repository import UserRepository, is_duplicate_email
from shop.users.schemas import UserCreate, UserResponse, UserUpdate
from shop.users.security import BeforeHashing, PasswordHasher
from shop.users.throttling import SignInThrottle

# Authentication events (ASVS v5.0.0-16.3.1): the account by id, or by its
# pseudonym when no account has the email; the client address; never a
# password or an email.
auth_log = logging.getLogger("shop.auth")


class UserService:
    """Registration, sign-in and profile changes.

    Password hashing is slow on purpose (~0.2 s). No method holds a
    database connection while it hashes: under a burst of sign-ins, the
    connection pool would run dry waiting on the CPU.
    """

    def __init__(
        self,
        session: AsyncSession,
        passwords: PasswordHasher,
        cache: ResponseCache,
        throttle: SignInThrottle,
    ) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.passwords = passwords
        self.cache = cache
        self.throttle = throttle

    # --8<-- [start:register-service]
    async def register(self, data: UserCreate, *, client: str) -> User:
        """Create an account; ``ConflictError`` if the email is taken."""
        await self.throttle.before_registration(client)
        # Hashed first, before any query: no connection is checked out while
        # the CPU works. A taken email costs a hash for nothing, and hiding
        # nothing: the 409 below says the email exists, however long it took.
        password_hash = await self.passwords.hash(data.password.get_secret_value())
        if await self.users.get_by_email(data.email) is not None:
            raise ConflictError("Email already registered")
        user = User(email=data.email, name=data.name, password_hash=password_hash)
        self.users.add(user)
        try:
            await self.session.commit()
        except IntegrityError as error:
            await self.session.rollback()
            if not is_duplicate_email(error):
                raise  # another constraint: a bug, answered and logged as a 500
            # Two registrations raced past the check above; the unique
            # index decided, and the loser gets the same answer as above.
            raise ConflictError("Email already registered") from None
        return user
        # --8<-- [end:register-service]

    # --8<-- [start:authenticate]
    async def authenticate(self, email: str, password: str, *, client: str) -> User:
        """The user these credentials belong to; ``UnauthorizedError`` otherwise."""
        email = email.lower()
        # Before any work: a locked-out account or client costs no read and
        # no hash. The account's attempt counts once a hashing slot is held:
        # a 503 (the database down, the queue full) checked no password.
        await self.throttle.before_password_check(email, client)
        count_attempt = partial(self.throttle.count_attempt, email, client)
        # Read in a session of its own, closed before the slow part: its
        # connection goes back to the pool while the password is checked.
        async with self._reading() as users:
            user = await users.get_by_email(email)
        if user is None:
            await self.passwords.verify_against_decoy(password, before=count_attempt)
        elif await self._signs_in(
            user, email, password, before=count_attempt, client=client
        ):
            auth_log.info("sign-in succeeded", extra=_event(user, client))
            return user
        await self.throttle.after_failure(client)
        auth_log.warning(
            "sign-in failed",
            extra={**_event(user, client), "account": self.throttle.pseudonym(email)},
        )
        raise UnauthorizedError("Incorrect email or password")
        # --8<-- [end:authenticate]

    async def _signs_in(
        self,
        user: User,
        email: str,
        password: str,
        *,
        before: BeforeHashing,
        client: str,
    ) -> bool:
        """Whether ``password`` is the user's; if so, its success is recorded.

        The account's failures are forgotten as soon as the password
        matches, before the upgrade below can wait for a slot, fail at its
        write (a 503) or be cancelled with the request: none of these may
        take the owner's success with it, nor its line in the log. A hash
        made with an older cost or algorithm is replaced by one with the
        current parameters, at the one moment the password is known.
        """
        if not await self.passwords.verify(password, user.password_hash, before=before):
            return False
        await self.throttle.after_success(email)
        try:
            new_hash = await self.passwords.upgraded_hash(password, user.password_hash)
            if new_hash is not None:
                # In a short session of its own, like the read: the caller's
                # session gets no commit as a side effect of a sign-in.
                async with AsyncSession(
                    self.session.bind, expire_on_commit=False
                ) as writing:
                    await UserRepository(writing).replace_password_hash(
                        user.id, old=user.password_hash, new=new_hash
                    )
                    await writing.commit()
        except BaseException:
            # A 503 or a cancelled request after the password matched: the
            # owner proved it and got no token. The line an auditor reads
            # says who and from where, as a success's does.
            auth_log.warning(
                "sign-in interrupted after the password matched",
                extra=_event(user, client),
            )
            raise
        return True

    def issue_token(self, user: User, *, secret: SecretStr, lifetime: timedelta) -> str:
        """An access token for ``user``, valid until it expires or is revoked."""
        return security.create_access_token(
            user.id, token_version=user.token_version, secret=secret, lifetime=lifetime
        )

    async def signed_in_user(self, user_id: int, token_version: int) -> UserResponse:
        """The user a valid token names, unless a password change revoked it.

        Checked against the row, not a cache: a changed password stops every
        older token on its next use.
        """
        async with self._reading() as users:
            user = await users.get(user_id)
        if user is None or user.token_version != token_version:
            raise UnauthorizedError("Invalid or expired token")
        return UserResponse.model_validate(user)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[UserRepository]:
        """A repository on a short session of its own, for a read before slow work.

        Closing it ends its read-only transaction without a commit (there is
        nothing to commit) and returns its connection to the pool, so the
        handler that runs next holds none. The request's own session is
        untouched: nothing staged on it is committed as a side effect.
        """
        async with AsyncSession(self.session.bind, expire_on_commit=False) as reading:
            yield UserRepository(reading)

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

    async def update(self, user_id: int, data: UserUpdate, *, client: str) -> User:
        """Change the fields present in ``data``.

        A new password needs the current one, checked and throttled like a
        sign-in, and revokes every token issued before it.
        """
        new_hash = None
        if data.password is not None:
            await self._check_current_password(user_id, data.current_password, client)
            new_hash = await self.passwords.hash(data.password.get_secret_value())
        if data.name is None and new_hash is None:
            return await self.get(user_id)
        user = await self.users.update(user_id, name=data.name, password_hash=new_hash)
        if user is None:
            raise NotFoundError("User not found")
        await self.session.commit()
        if new_hash is not None:
            auth_log.info("password changed", extra=_event(user, client))
        # --8<-- [start:invalidate]
        # After the commit: invalidating first would let a read in between
        # take a fresh lease, load the old row and store it for a whole TTL.
        await self.cache.invalidate(profile_cache_key(user.id))
        # --8<-- [end:invalidate]
        return user

    async def _check_current_password(
        self, user_id: int, current_password: SecretStr | None, client: str
    ) -> None:
        """``ForbiddenError`` unless ``current_password`` is the account's.

        The schema requires it with a new password; a missing one is a
        wrong one here too, so no other caller can skip the check.
        """
        typed = current_password.get_secret_value() if current_password else ""
        async with self._reading() as users:
            user = await users.get(user_id)
        if user is None:
            raise NotFoundError("User not found")
        await self.throttle.before_password_check(user.email, client, user_id=user.id)
        count_attempt = partial(  # counted once a hashing slot is held
            self.throttle.count_attempt, user.email, client, user_id=user.id
        )
        if await self.passwords.verify(typed, user.password_hash, before=count_attempt):
            await self.throttle.after_success(user.email)
            return
        await self.throttle.after_failure(client)
        auth_log.warning("password change refused", extra=_event(user, client))
        # 403, not 401: the token is valid, so a client must not drop it or
        # sign in again; the request is refused, not its credentials.
        raise ForbiddenError("The current password is incorrect")


def _event(user: User | None, client: str) -> dict[str, object]:
    """The fields every authentication event logs."""
    return {"user_id": user.id if user else None, "client": client}


def profile_cache_key(user_id: int) -> str:
    """Cache key of a profile. Bump ``v1`` when ``UserResponse`` changes shape."""
    return f"shop:users:profile:v1:{user_id}"
