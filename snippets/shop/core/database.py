"""Database connection: engine and session factories, and the session dependency.

Nothing here runs at import time. The app's lifespan creates the engine and
keeps it on ``app.state``; importing this module never opens a connection.
"""

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shop.core.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the connection pool for ``settings.database_url``."""
    return create_async_engine(
        settings.async_database_url,
        # Connections die behind load balancers and on server restarts; a
        # cheap ping on checkout beats an error on the first query.
        pool_pre_ping=True,
        connect_args={"timeout": settings.database_connect_timeout_seconds},
    )


# --8<-- [start:session-factory]
def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory requests draw their sessions from."""
    # With the default expire_on_commit=True, reading an attribute after
    # commit() triggers a lazy load, which async SQLAlchemy cannot do
    # implicitly (MissingGreenlet) while the response is being serialised.
    return async_sessionmaker(engine, expire_on_commit=False)
    # --8<-- [end:session-factory]


# --8<-- [start:get-db]
async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """Dependency: one session per request, closed when the response is sent."""
    session_factory: async_sessionmaker[AsyncSession] = (
        request.app.state.session_factory
    )
    async with session_factory() as session:
        yield session
    # --8<-- [end:get-db]
