"""Evidence for CONFIG-TYPED: the service's own Settings behave as the page says.

The page's inline examples run on their own (tests/docs/test_python_examples.py);
these tests check the reference service's Settings class.
"""

import pytest
from pydantic import PostgresDsn, SecretStr, TypeAdapter, ValidationError
from sqlalchemy.engine import make_url
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


@pytest.mark.parametrize("parameter", ["channel_binding=require", "connect_timeout=10"])
async def test_asyncpg_fails_at_the_first_connection_on_what_the_settings_refuse_at_start_up(
    parameter: str,
) -> None:
    name = parameter.split("=")[0]
    raw = create_async_engine(f"postgresql+asyncpg://shop@127.0.0.1:1/shop?{parameter}")
    try:
        # The engine is created without a word; the first connection fails.
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'"):
            async with raw.connect():
                pass
    finally:
        await raw.dispose()
    with pytest.raises(ValidationError, match=f"DATABASE_URL parameter {name}"):
        Settings(
            _env_file=None,
            database_url=f"postgresql://shop@127.0.0.1:1/shop?{parameter}",  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
            jwt_secret=SecretStr(JWT_SECRET),
        )


def test_a_url_with_several_hosts_passes_postgres_dsn_and_fails_in_sqlalchemy() -> None:
    url = "postgresql://shop@db1.internal:5432,db2.internal:5432/shop"

    assert len(TypeAdapter(PostgresDsn).validate_python(url).hosts()) == 2
    with pytest.raises(ValueError, match="invalid literal for int"):
        make_url(url)
    with pytest.raises(ValidationError, match="DATABASE_URL names 2 hosts"):
        Settings(
            _env_file=None,
            database_url=url,  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
            jwt_secret=SecretStr(JWT_SECRET),
        )
    assert "an `int()` error that names no setting" in " ".join(
        PAGE.read_text().split()
    )


def test_a_url_without_a_scheme_passes_a_str_and_stops_the_settings() -> None:
    url = "localhost:5432/shop"

    assert TypeAdapter(str).validate_python(url) == url  # not a word
    with pytest.raises(ValidationError) as error:
        Settings(
            _env_file=None,
            database_url=url,  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
            jwt_secret=SecretStr(JWT_SECRET),
        )

    assert [(e["loc"][0], e["type"]) for e in error.value.errors()] == [
        ("database_url", "url_scheme")
    ]
    prose = " ".join(PAGE.read_text().split())
    assert "A `str` also accepts `localhost:5432/shop` (no scheme at all)" in prose
    assert "`PostgresDsn` rejects the URL without a scheme when the settings load" in (
        prose
    )
