"""Password hashing and access tokens."""

import asyncio
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr

from shop.shared.base_model import MAX_ID
from shop.shared.exceptions import ServiceBusyError, UnauthorizedError

ALGORITHM = "HS256"

# Run once a hashing slot is held, before the hash: the users service
# counts the account's attempt there. Raising refuses it, nothing hashed.
type BeforeHashing = Callable[[], Awaitable[None]]


# --8<-- [start:password-hashing]
# --8<-- [start:argon2id]
# Argon2id with argon2-cffi's default cost (3 passes over 64 MiB), in one
# lane: a hash then occupies one core, never all of them, so the event loop
# keeps a core to itself while sign-ins run (see PasswordHasher below).
_password_hash = PasswordHash((Argon2Hasher(parallelism=1),))

# What the decoy hash is a hash of: no account ever has it as a password.
_DECOY_WORDS = "decoy password for unknown accounts"


class PasswordHasher:
    """Argon2id off the event loop: at most ``concurrency`` at once, a bounded wait.

    A hash costs a fraction of a second of CPU (the password-hashing page
    has the benchmark) and 64 MiB. On the event loop it stalls every other
    request for that long. A bare ``asyncio.to_thread`` keeps the loop free
    but bounds only the thread count, min(32, cores + 4): a burst of
    sign-ins hashes on every core at once, 64 MiB each, and the rest queue
    without limit. The semaphore admits ``concurrency`` hashes at a time,
    and a request that waits longer than ``queue_timeout_seconds`` for a
    slot gets a 503 with ``Retry-After`` instead of an answer that comes
    too late to matter.
    """

    def __init__(self, concurrency: int, *, queue_timeout_seconds: float) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._queue_timeout_seconds = queue_timeout_seconds
        # Made once, here: the lifespan builds the hasher before the server
        # accepts a connection, so no request waits for it and an unknown
        # email costs one verification, like a known one.
        self._decoy_hash = _password_hash.hash(_DECOY_WORDS)

    async def hash(self, password: str) -> str:
        """Hash a password for storage."""
        return await self._in_a_slot(_password_hash.hash, password)

    async def verify(
        self, password: str, password_hash: str, *, before: BeforeHashing | None = None
    ) -> bool:
        """Whether ``password`` matches a hash made by ``hash``."""
        return await self._in_a_slot(
            _password_hash.verify, password, password_hash, before=before
        )

    async def verify_against_decoy(
        self, password: str, *, before: BeforeHashing | None = None
    ) -> None:
        """Spend the time a real check would, for an email nobody registered.

        Answering faster for unknown emails would tell an attacker which
        ones exist.
        """
        await self.verify(password, self._decoy_hash, before=before)
        # --8<-- [end:argon2id]

    async def _wait_for_a_slot(self) -> None:
        try:
            async with asyncio.timeout(self._queue_timeout_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise ServiceBusyError(
                "Too many password checks in progress; try again shortly",
                retry_after_seconds=math.ceil(self._queue_timeout_seconds),
            ) from None

    # --8<-- [start:lead-in-a-slot]
    async def _in_a_slot[T](
        self, work: Callable[..., T], *args: str, before: BeforeHashing | None = None
    ) -> T:
        await self._wait_for_a_slot()
        try:
            if before is not None:
                await before()  # a refusal frees the slot, nothing hashed
        except BaseException:
            self._slots.release()
            raise
        # The slot belongs to the thread, not to this await: a thread cannot
        # be cancelled, so a cancelled request (a client's timeout, the
        # server's shutdown) leaves its hash running. The slot is freed when
        # the thread's work ends; shield() keeps a cancelled await from
        # cancelling that future. run_in_executor, which asyncio.to_thread
        # wraps, returns the future itself, for the release to hang on.
        hashing = asyncio.get_running_loop().run_in_executor(None, work, *args)
        hashing.add_done_callback(lambda _: self._slots.release())
        return await asyncio.shield(hashing)
        # --8<-- [end:lead-in-a-slot]
        # --8<-- [end:password-hashing]

    # --8<-- [start:rehash]
    async def upgraded_hash(self, password: str, password_hash: str) -> str | None:
        """A new hash of a verified ``password``, when ``password_hash`` is outdated.

        A hash made with another algorithm or cost than today's is made
        again with the current ones, while the password is at hand. ``None``
        if the hash is current, or if no slot frees in time: a right
        password is not refused for want of an upgrade, and the next
        sign-in tries again.
        """
        current = _password_hash.current_hasher
        if current.identify(password_hash) and not current.check_needs_rehash(
            password_hash
        ):
            return None
        try:
            return await self.hash(password)
        except ServiceBusyError:
            return None
        # --8<-- [end:rehash]


# --8<-- [start:tokens]
def create_access_token(
    user_id: int,
    *,
    token_version: int,
    secret: SecretStr,
    lifetime: timedelta,
    now: datetime | None = None,
) -> str:
    """Sign a token saying "this is user ``user_id``" until ``lifetime`` passes.

    ``ver`` is the user's token version when the token was issued; changing
    the password bumps it, which revokes every token issued before.
    """
    issued_at = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "ver": token_version,
        "iat": issued_at,
        "exp": issued_at + lifetime,
    }
    return jwt.encode(claims, secret.get_secret_value(), algorithm=ALGORITHM)


def read_access_token(token: str, *, secret: SecretStr) -> tuple[int, int]:
    """Return the user id and token version a valid token was issued for.

    Raises ``UnauthorizedError`` for an expired, forged or malformed token,
    including a validly signed one whose ids do not fit the database.
    """
    invalid = UnauthorizedError("Invalid or expired token")
    try:
        claims = jwt.decode(
            token,
            secret.get_secret_value(),
            # An explicit list: accepting the algorithm the token names would
            # let a forger pick "none".
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "ver"]},
        )
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise invalid from None
    version = claims["ver"]
    # A BIGINT id: a larger one is not ours, and PostgreSQL would reject it.
    if not 1 <= user_id <= MAX_ID or type(version) is not int or version < 0:
        raise invalid
    return user_id, version
    # --8<-- [end:tokens]
