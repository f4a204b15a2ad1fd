"""Database connection: engine and session factories, and the session dependency.

Nothing here runs at import time. The app's lifespan creates the engine and
the session factory, and disposes of the engine at shutdown; importing this
module never opens a connection.
"""

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shop.core.config import Settings
from shop.shared.state import lifespan_resource


# --8<-- [start:engine]
def create_engine(settings: Settings) -> AsyncEngine:
    """Create the connection pool for ``settings.database_url``."""
    return create_async_engine(
        settings.async_database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        # How long a request waits for a free connection before it gets a 503.
        pool_timeout=settings.database_pool_timeout_seconds,
        # Connections die behind load balancers and on server restarts; a
        # cheap ping on checkout beats an error on the first query.
        pool_pre_ping=True,
        # Error messages and logs show the SQL but never its parameters:
        # they hold emails, password hashes and whatever else users send.
        hide_parameters=True,
        connect_args=connect_args(settings),
    )


def connect_args(settings: Settings) -> dict[str, Any]:
    """asyncpg's arguments for every new connection: its time limits."""
    return {
        "timeout": settings.database_connect_timeout_seconds,
        "command_timeout": settings.database_command_timeout_seconds,
        "server_settings": {
            "statement_timeout": str(settings.database_statement_timeout_ms),
            # A connection left inside a transaction must not hold locks
            # forever; PostgreSQL closes it after this long.
            "idle_in_transaction_session_timeout": "60000",
            "application_name": "shop",
        },
    }
    # --8<-- [end:engine]


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
    # async_sessionmaker is generic: isinstance checks the class, not the
    # session type, so the annotation is what says AsyncSession.
    session_factory: async_sessionmaker[AsyncSession] = lifespan_resource(
        request.scope, "session_factory", async_sessionmaker
    )
    async with session_factory() as session:
        yield session
    # --8<-- [end:get-db]
