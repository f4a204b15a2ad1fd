"""Database queries of the users domain."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.users.models import User


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
