"""Database queries of the users domain."""

from typing import Any

import asyncpg
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.users.models import User

# The unique constraint on users.email, as the naming convention names it
# (snippets/migrations created it under this name).
EMAIL_UNIQUE_CONSTRAINT = "uq_users_email"


def is_duplicate_email(error: IntegrityError) -> bool:
    """Whether ``error`` is a second row for an email, and no other violation.

    A check constraint (lower-case, NFC), a NOT NULL or a foreign key fails
    with the same ``IntegrityError``; only a unique violation (SQLSTATE
    23505) of the email's constraint means "this email is taken". asyncpg's
    exception, which names the constraint, caused SQLAlchemy's adapter error.
    """
    cause = getattr(error.orig, "__cause__", None)
    return (
        isinstance(cause, asyncpg.UniqueViolationError)
        and cause.constraint_name == EMAIL_UNIQUE_CONSTRAINT
    )


class UserRepository:
    """Reads and writes ``User`` rows; knows SQL, not business rules."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        """The user with this id, if any, as the database has it now.

        Read again even if the session loaded it before: a profile cached
        from a copy older than its reader's cache lease could be stale.
        """
        return await self.session.get(User, user_id, populate_existing=True)

    async def get_by_email(self, email: str) -> User | None:
        """The user with this (already lower-cased) email, if any."""
        return await self.session.scalar(select(User).where(User.email == email))

    def add(self, user: User) -> None:
        """Stage a new user for insertion at the next flush."""
        self.session.add(user)

    async def replace_password_hash(self, user_id: int, *, old: str, new: str) -> None:
        """Store ``new``, a hash of the same password, if the row still has ``old``.

        ``token_version`` stays: the password is the same, so its tokens
        stay valid. A password change committed since ``old`` was read has
        replaced it, and wins: the condition matches no row then.
        """
        await self.session.execute(
            update(User)
            .where(User.id == user_id, User.password_hash == old)
            .values(password_hash=new)
        )

    # --8<-- [start:update-row]
    async def update(
        self, user_id: int, *, name: str | None, password_hash: str | None
    ) -> User | None:
        """Write the fields given in one UPDATE; the row as it is now, if any.

        A new password hash bumps ``token_version`` in SQL: read-modify-write
        in Python would let two changes that race both write the same
        version, and a token issued between them would survive the second.
        """
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if password_hash is not None:
            values["password_hash"] = password_hash
            values["token_version"] = User.token_version + 1
        statement = (
            update(User).where(User.id == user_id).values(values).returning(User)
        )
        return await self.session.scalar(
            statement, execution_options={"populate_existing": True}
        )
        # --8<-- [end:update-row]
