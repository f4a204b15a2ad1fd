"""Typed application settings, read from the environment and a ``.env`` file."""

from functools import lru_cache
from typing import Literal

from fastapi import Request
from pydantic import Field, PostgresDsn, RedisDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    Field names map to upper-case environment variables (``DATABASE_URL``);
    real environment variables win over the ``.env`` file in the current
    directory. ``.env.example`` documents each one.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        # A typo such as DATABSE_URL in .env should fail loudly, not be ignored.
        extra="forbid",
    )

    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    database_url: PostgresDsn
    # asyncpg waits 60 s by default; /health should answer long before that.
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # Unset: no cache, every read goes to the database.
    redis_url: RedisDsn | None = None
    cache_ttl_seconds: int = Field(default=300, ge=1)
    # A cache that answers slower than this is treated as a miss.
    cache_timeout_seconds: float = Field(default=0.25, gt=0, le=5)

    # HS256 needs at least 256 bits of key (RFC 7518, section 3.2).
    jwt_secret: SecretStr = Field(min_length=32)
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)

    # --8<-- [start:cors-origins]
    cors_origins: list[str] = Field(default_factory=list)
    # --8<-- [end:cors-origins]

    @property
    def async_database_url(self) -> URL:
        """The database URL with the asyncpg driver, whatever scheme was configured.

        Accepts ``postgres://``, ``postgresql://`` and ``postgresql+<driver>://``
        alike; a string ``replace`` of one spelling misses the others.
        """
        return make_url(str(self.database_url)).set(drivername="postgresql+asyncpg")


@lru_cache
def get_settings() -> Settings:
    """Read the settings once per process (the module-level ``app`` uses this)."""
    return Settings()  # type: ignore[call-arg]  # required fields come from the environment


def get_app_settings(request: Request) -> Settings:
    """Dependency: the settings the running app was created with.

    Handlers read settings from the app rather than from ``get_settings()``,
    so tests can build an app with different settings without patching.
    """
    settings: Settings = request.app.state.settings
    return settings
