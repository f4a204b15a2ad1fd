"""Password hashing and access tokens."""

from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from pwdlib import PasswordHash
from pydantic import SecretStr

from shop.shared.exceptions import UnauthorizedError

ALGORITHM = "HS256"

# --8<-- [start:password-hashing]
# Argon2id with pwdlib's recommended parameters.
_password_hash = PasswordHash.recommended()


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password``."""
    return _password_hash.verify(password, password_hash)


@cache
def _decoy_hash() -> str:
    return _password_hash.hash("decoy password for unknown accounts")


def verify_against_decoy(password: str) -> None:
    """Spend the time a real check would, for an email nobody registered.

    Answering faster for unknown emails would tell an attacker which ones exist.
    """
    _password_hash.verify(password, _decoy_hash())
    # --8<-- [end:password-hashing]


def create_access_token(
    user_id: int, *, secret: SecretStr, lifetime: timedelta, now: datetime | None = None
) -> str:
    """Sign a token saying "this is user ``user_id``" until ``lifetime`` passes."""
    issued_at = now or datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": issued_at, "exp": issued_at + lifetime}
    return jwt.encode(claims, secret.get_secret_value(), algorithm=ALGORITHM)


def read_access_token(token: str, *, secret: SecretStr) -> int:
    """Return the user id a valid token was issued for.

    Raises ``UnauthorizedError`` for an expired, forged or malformed token.
    """
    try:
        claims = jwt.decode(
            token,
            secret.get_secret_value(),
            # An explicit list: accepting the algorithm the token names would
            # let a forger pick "none".
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
        return int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise UnauthorizedError("Invalid or expired token") from None
