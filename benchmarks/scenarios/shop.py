"""The reference service's own settings and engine, as the scenarios use them."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.core.config import Settings
from shop.core.database import create_engine


def service_settings(database_url: str, redis_url: str | None = None) -> Settings:
    """The service's settings with their defaults; no .env file is read."""
    return Settings(
        _env_file=None,
        environment="production",
        database_url=database_url,  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
        redis_url=redis_url,  # type: ignore[arg-type]  # likewise, into a RedisDsn
        jwt_secret=SecretStr(secrets.token_urlsafe(48)),
    )


@asynccontextmanager
async def service_engine(
    database_url: str, redis_url: str | None = None
) -> AsyncIterator[AsyncEngine]:
    """The engine (connection pool) ``create_engine`` gives the service."""
    engine = create_engine(service_settings(database_url, redis_url))
    try:
        yield engine
    finally:
        await engine.dispose()
