"""Evidence for CONFIG-TYPED: the service's own Settings behave as the page says.

The page's inline examples run on their own (tests/docs/test_python_examples.py);
these tests check the reference service's Settings class.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import PostgresDsn, SecretStr, TypeAdapter, ValidationError
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from tests.support.pages import prose
from tests.support.shop_fixtures import shop_settings

PAGE = DOCS_DIR / "principles" / "configuration" / "config-typed.md"

JWT_SECRET = "x" * 48  # long enough for HS256; a test value, never a real key
DATABASE_URL = "postgresql+asyncpg://shop@db.internal/shop"


def test_a_wrong_setting_fails_at_start_up_naming_it() -> None:
    with pytest.raises(ValidationError) as error:
        shop_settings(
            "mysql://db.internal/shop",
            access_token_minutes="thirty",  # noqa: S106 - not a password
        )

    assert {(e["loc"][0], e["type"]) for e in error.value.errors()} == {
        ("database_url", "url_scheme"),
        ("access_token_minutes", "int_parsing"),
    }


def test_the_service_started_with_bad_settings_prints_a_line_per_variable(
    tmp_path: Path,
) -> None:
    # The image's command, from a directory without a .env, with a bad
    # environment: what an operator's first deployment sees.
    environment = {
        "PATH": os.environ["PATH"],
        # The service of this copy of the repository, whatever is installed.
        "PYTHONPATH": str(REPO_ROOT / "snippets"),
        "JWT_SECRET": "s" * 22,  # ten characters short
        "METRICS_PORT": "ninety",
    }

    def uvicorn_factory(factory: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", "0"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    result = uvicorn_factory("shop.core.main:create_app")

    expected = [
        "shop: 3 invalid setting(s), from the environment or .env:",
        "  DATABASE_URL: not set, and required",
        "  JWT_SECRET: at least 32 characters, not 22",
        "  METRICS_PORT: Input should be a valid integer, unable to parse string as an integer",
    ]
    assert (result.returncode, result.stderr.splitlines()) == (1, expected)
    assert environment["JWT_SECRET"] not in result.stdout + result.stderr
    page = " ".join(prose(PAGE).split())
    assert f"(`{expected[2].strip()}`) and without a secret" in page

    # Left to itself: a factory that raises pydantic's error (get_settings).
    bare = uvicorn_factory("shop.core.config:get_settings")
    assert bare.returncode == 1
    assert bare.stderr.startswith("Traceback")
    assert "\njwt_secret\n" in bare.stderr
    assert "JWT_SECRET" not in bare.stderr
    assert "Value should have at least 32 items after validation" in bare.stderr
    assert "names the field at the end of a traceback" in page
    assert 'counts a secret\'s characters as "items"' in page


def test_every_postgres_url_spelling_gets_the_asyncpg_driver() -> None:
    for url in (
        "postgres://shop@db.internal:5432/shop",
        "postgresql://shop@db.internal:5432/shop",
        "postgresql+psycopg://shop@db.internal:5432/shop",
    ):
        settings = shop_settings(url)
        assert settings.async_database_url.drivername == "postgresql+asyncpg"


def test_the_secret_is_masked_when_printed() -> None:
    settings = shop_settings(DATABASE_URL, jwt_secret=SecretStr(JWT_SECRET))
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
    settings = shop_settings("postgresql://shop@127.0.0.1:1/shop?sslmode=require")
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
        shop_settings(f"postgresql://shop@127.0.0.1:1/shop?{parameter}")


def test_a_url_with_several_hosts_passes_postgres_dsn_and_fails_in_sqlalchemy() -> None:
    url = "postgresql://shop@db1.internal:5432,db2.internal:5432/shop"

    assert len(TypeAdapter(PostgresDsn).validate_python(url).hosts()) == 2
    with pytest.raises(ValueError, match="invalid literal for int"):
        make_url(url)
    with pytest.raises(ValidationError, match="DATABASE_URL names 2 hosts"):
        shop_settings(url)
    assert "an `int()` error that names no setting" in " ".join(
        PAGE.read_text().split()
    )


def test_a_url_without_a_scheme_passes_a_str_and_stops_the_settings() -> None:
    url = "localhost:5432/shop"

    assert TypeAdapter(str).validate_python(url) == url  # not a word
    with pytest.raises(ValidationError) as error:
        shop_settings(url)

    assert [(e["loc"][0], e["type"]) for e in error.value.errors()] == [
        ("database_url", "url_scheme")
    ]
    prose = " ".join(PAGE.read_text().split())
    assert "A `str` also accepts `localhost:5432/shop` (no scheme at all)" in prose
    assert "`PostgresDsn` rejects the URL without a scheme when the settings load" in (
        prose
    )


# The Do example's Settings class, the pattern a review cites: checked here
# for what the page says it does, and what the weaker choices would not.


def _do_example_settings(**replacements: str) -> type[BaseSettings]:
    """The ``Settings`` class of the page's Do example, with ``replacements``."""
    block = next(
        b
        for b in find_fences(PAGE)
        if b.language == "python" and "model_config" in b.source
    )
    code = block.source.split("# In production", 1)[0]
    for old, new in replacements.items():
        assert old in code, old
        code = code.replace(old, new)
    namespace: dict[str, Any] = {"__name__": "config_typed_do_example"}
    exec(code, namespace)  # noqa: S102 - the page's own example
    settings: type[BaseSettings] = namespace["Settings"]
    return settings


@pytest.fixture
def empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no .env, and no setting in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "JWT_SECRET", "ACCESS_TOKEN_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.usefixtures("empty_directory")
def test_the_do_examples_database_password_is_absent_from_repr() -> None:
    password = secrets.token_urlsafe(16)
    settings = _do_example_settings()(
        database_url=f"postgresql+asyncpg://shop:{password}@db.internal/shop",
        jwt_secret=JWT_SECRET,
    )

    assert password not in repr(settings)
    assert password not in str(settings)
    assert password in str(settings.database_url.get_secret_value())  # type: ignore[attr-defined]  # a class exec'd from the page


@pytest.mark.usefixtures("empty_directory")
def test_the_do_examples_too_short_secret_is_absent_from_the_error() -> None:
    too_short = secrets.token_urlsafe(12)  # 16 characters, half of HS256's 32
    settings_class = _do_example_settings()

    with pytest.raises(ValidationError) as error:
        settings_class(database_url=DATABASE_URL, jwt_secret=too_short)

    assert [(e["loc"][0], e["type"]) for e in error.value.errors()] == [
        ("jwt_secret", "too_short")
    ]
    assert too_short not in str(error.value)
    # What hide_input_in_errors=True is there for: without it, it is printed.
    with pytest.raises(ValidationError) as shown:
        _do_example_settings(
            **{"hide_input_in_errors=True": "hide_input_in_errors=False"}
        )(database_url=DATABASE_URL, jwt_secret=too_short)
    assert too_short in str(shown.value)
    assert "unless the class sets `hide_input_in_errors=True`" in prose(PAGE)


def test_a_misspelt_key_in_the_env_file_stops_the_do_examples_settings(
    empty_directory: Path,
) -> None:
    (empty_directory / ".env").write_text(
        f"DATABASE_URL={DATABASE_URL}\nJWT_SECRET={JWT_SECRET}\n"
        "ACCESS_TOKEN_MINTUES=60\n"
    )

    with pytest.raises(ValidationError) as error:
        _do_example_settings()()

    assert [(e["loc"][0], e["type"]) for e in error.value.errors()] == [
        ("access_token_mintues", "extra_forbidden")
    ]
    # extra="ignore" skips it: the setting keeps its default without a word.
    ignoring = _do_example_settings(**{'extra="forbid"': 'extra="ignore"'})()
    assert ignoring.access_token_minutes == 15  # type: ignore[attr-defined]  # a class exec'd from the page
    assert 'with `extra="ignore"` the setting keeps its default of 15' in prose(PAGE)


@pytest.mark.usefixtures("empty_directory")
def test_a_misspelt_environment_variable_goes_unnoticed_even_with_extra_forbid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("ACCESS_TOKEN_MINTUES", "60")

    settings = _do_example_settings()()

    assert settings.access_token_minutes == 15  # type: ignore[attr-defined]  # a class exec'd from the page
    assert "The same typo in the real environment goes unnoticed either way" in (
        prose(PAGE)
    )
