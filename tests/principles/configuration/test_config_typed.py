"""Evidence for CONFIG-TYPED: the service's own Settings behave as the page says.

The page's inline examples run on their own (tests/docs/test_python_examples.py);
these tests check the reference service's Settings class.
"""

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import create_async_engine

from handbook.content.docs_tree import DOCS_DIR
from shop.core.config import Settings

PAGE = DOCS_DIR / "principles" / "configuration" / "config-typed.md"

JWT_SECRET = "x" * 48  # long enough for HS256; a test value, never a real key


def test_a_wrong_setting_fails_at_start_up_naming_it() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(
            _env_file=None,
            database_url="mysql://db.internal/shop",  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
            jwt_secret=SecretStr(JWT_SECRET),
            access_token_minutes="thirty",  # type: ignore[arg-type]  # noqa: S106 - not a password
        )

    assert {(e["loc"][0], e["type"]) for e in error.value.errors()} == {
        ("database_url", "url_scheme"),
        ("access_token_minutes", "int_parsing"),
    }


def test_every_postgres_url_spelling_gets_the_asyncpg_driver() -> None:
    for url in (
        "postgres://shop@db.internal:5432/shop",
        "postgresql://shop@db.internal:5432/shop",
        "postgresql+psycopg://shop@db.internal:5432/shop",
    ):
        settings = Settings(
            _env_file=None,
            database_url=url,  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
            jwt_secret=SecretStr(JWT_SECRET),
        )
        assert settings.async_database_url.drivername == "postgresql+asyncpg"


def test_the_secret_is_masked_when_printed() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql://shop@db.internal:5432/shop",  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
        jwt_secret=SecretStr(JWT_SECRET),
    )
    assert JWT_SECRET not in repr(settings)
    assert JWT_SECRET not in str(settings.jwt_secret)


async def test_asyncpg_refuses_libpqs_sslmode_which_the_settings_translate() -> None:
    raw = create_async_engine(
        "postgresql+asyncpg://shop@127.0.0.1:1/shop?sslmode=require"
    )
    try:
        with pytest.raises(TypeError, match="unexpected keyword argument 'sslmode'"):
            async with raw.connect():
                pass
    finally:
        await raw.dispose()
    settings = Settings(
        _env_file=None,
        database_url="postgresql://shop@127.0.0.1:1/shop?sslmode=require",  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
        jwt_secret=SecretStr(JWT_SECRET),
    )
    assert settings.async_database_url.query == {"ssl": "require"}
    assert "asyncpg does not accept, to asyncpg's `ssl=`" in " ".join(
        PAGE.read_text().split()
    )
