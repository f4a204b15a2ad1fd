"""Specification of configuration: where settings come from and what is rejected."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shop.core.config import (
    ASYNCPG_PARAMETERS,
    JWT_SECRET_PLACEHOLDER,
    Settings,
    get_settings,
    settings_or_exit,
)
from shop.core.database import create_engine
from tests.support.shop_fixtures import shop_settings

SECRET = "s" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in ``tmp_path`` (so ``.env`` there applies) with no settings in the environment."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def test_settings_are_read_from_dotenv_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgresql://shop:pw@db.internal:5432/shop\n"
        f"JWT_SECRET={SECRET}\n"
        "ACCESS_TOKEN_MINUTES=15\n"
        'CORS_ORIGINS=["https://shop.example", "http://localhost:5173"]\n'
        "ENVIRONMENT=production\n"
    )

    settings = Settings()

    assert settings.async_database_url.host == "db.internal"
    assert settings.jwt_secret.get_secret_value() == SECRET
    assert settings.access_token_minutes == 15
    assert settings.cors_origins == ("https://shop.example", "http://localhost:5173")
    assert settings.environment == "production"
    assert settings.log_level == "INFO"


def test_environment_variables_override_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        f"DATABASE_URL=postgresql://localhost/shop\nJWT_SECRET={SECRET}\nLOG_LEVEL=DEBUG\n"
    )
    monkeypatch.setenv("LOG_LEVEL", "ERROR")

    assert Settings().log_level == "ERROR"


# --8<-- [start:secrets-out-of-reprs]
DATABASE_PASSWORD = "Vq7rX2mTz9Lk"  # noqa: S105  # pragma: allowlist secret
REDIS_PASSWORD = "Hm4wQ8nRc3Jp"  # noqa: S105  # pragma: allowlist secret


def test_secrets_do_not_show_in_reprs_strings_or_dumps() -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"postgresql://shop:{DATABASE_PASSWORD}@db.internal/shop",  # type: ignore[arg-type]  # pydantic validates the str
        redis_url=f"redis://default:{REDIS_PASSWORD}@cache.internal:6379/0",  # type: ignore[arg-type]  # likewise
        jwt_secret=SecretStr(SECRET),
    )

    for shown in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        f"{settings.database_url}",
        f"{settings.redis_url}",
        repr(settings.async_database_url),  # SQLAlchemy masks it too
    ):
        assert DATABASE_PASSWORD not in shown
        assert REDIS_PASSWORD not in shown
        assert SECRET not in shown
    # The connections still get them.
    assert settings.async_database_url.password == DATABASE_PASSWORD
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value().password == REDIS_PASSWORD


@pytest.mark.parametrize(
    ("name", "rejected"),
    [
        ("JWT_SECRET", SECRET[:31]),  # one character too short
        ("DATABASE_URL", f"mysql://shop:{DATABASE_PASSWORD}@db.internal/shop"),
        ("REDIS_URL", f"http://default:{REDIS_PASSWORD}@cache.internal:6379/0"),
    ],
)
def test_a_rejected_secret_is_not_repeated_in_the_start_up_error(
    monkeypatch: pytest.MonkeyPatch, name: str, rejected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/shop")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv(name, rejected)

    with pytest.raises(ValidationError) as excinfo:
        Settings()

    # The setting is named; its value is not.
    assert name.lower() in str(excinfo.value)
    assert rejected not in str(excinfo.value)
    assert DATABASE_PASSWORD not in str(excinfo.value)
    assert REDIS_PASSWORD not in str(excinfo.value)
    # --8<-- [end:secrets-out-of-reprs]


@pytest.mark.parametrize(
    "configured",
    [
        "postgres://shop:pw@localhost:5432/shop",
        "postgresql://shop:pw@localhost:5432/shop",
        "postgresql+asyncpg://shop:pw@localhost:5432/shop",
        "postgresql+psycopg://shop:pw@localhost:5432/shop",
    ],
)
def test_every_postgres_url_spelling_connects_through_asyncpg(configured: str) -> None:
    settings = shop_settings(configured)

    url = settings.async_database_url
    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.password, url.host, url.database) == (
        "shop",
        "pw",
        "localhost",
        "shop",
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"database_url": "mysql://root@localhost/shop"}, "database_url"),
        ({"database_url": "not a url"}, "database_url"),
        ({"database_url": "sqlite:///shop.db"}, "database_url"),
        ({"jwt_secret": "too-short"}, "jwt_secret"),
        ({"access_token_minutes": 0}, "access_token_minutes"),
        ({"log_level": "VERBOSE"}, "log_level"),
        ({"environment": "staging-ish"}, "environment"),
        ({"cors_origins": "https://shop.example"}, "cors_origins"),
    ],
)
def test_invalid_settings_fail_at_startup_naming_the_setting(
    overrides: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {
        "database_url": "postgresql://localhost/shop",
        "jwt_secret": SECRET,
    }

    with pytest.raises(ValidationError) as excinfo:
        Settings(**(values | overrides))

    assert [error["loc"] for error in excinfo.value.errors()] == [(field,)]


def test_a_missing_required_setting_is_reported_by_name() -> None:
    with pytest.raises(ValidationError) as excinfo:
        Settings()

    missing = {
        error["loc"][0]
        for error in excinfo.value.errors()
        if error["type"] == "missing"
    }
    assert missing == {"database_url", "jwt_secret"}


def test_a_deployment_that_sets_no_environment_runs_as_production() -> None:
    # Fails closed: production serves no /docs, /redoc or /openapi.json.
    settings = shop_settings("postgresql://localhost/shop")

    assert settings.environment == "production"


def test_a_misspelt_key_in_dotenv_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"DATABSE_URL=postgresql://localhost/shop\nDATABASE_URL=postgresql://localhost/shop\nJWT_SECRET={SECRET}\n"
    )

    with pytest.raises(ValidationError, match="databse_url"):
        Settings()


def test_a_misspelt_environment_variable_is_not_read_and_its_setting_keeps_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pydantic-settings reads the variables of the fields it declares, and no
    # others: METRIC_PORT is not an error, and the metrics listener is off.
    # What .env.example and the README say next to "an unknown key in .env".
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shop")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("METRIC_PORT", "9464")

    settings = Settings()

    assert settings.metrics_port is None
    readme = (EXAMPLE.parent / "README.md").read_text()
    assert "a misspelt environment variable is not read at\nall" in readme
    assert "a misspelt environment variable is not read at all" in EXAMPLE.read_text()


EXAMPLE = Path(__file__).resolve().parents[2] / "snippets" / ".env.example"


def test_env_example_documents_every_setting_with_a_valid_value(tmp_path: Path) -> None:
    example = EXAMPLE
    # As `task env-file` does: the one value to fill in is the secret.
    (tmp_path / ".env").write_text(
        example.read_text().replace(JWT_SECRET_PLACEHOLDER, SECRET)
    )

    settings = Settings()

    documented = {
        line.split("=", 1)[0].lower()
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert documented == set(Settings.model_fields)
    assert settings.environment == "development"


# --8<-- [start:placeholder-refused]
def test_the_published_placeholder_secret_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(EXAMPLE.read_text())  # copied, not filled in

    with pytest.raises(ValidationError, match="JWT_SECRET is still the placeholder"):
        Settings()
    # --8<-- [end:placeholder-refused]


# --8<-- [start:sslmode]
@pytest.mark.parametrize("mode", ["disable", "prefer", "require", "verify-full"])
def test_libpq_sslmode_becomes_asyncpgs_ssl_parameter(mode: str) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"postgresql://shop@db.example:5432/shop?sslmode={mode}",  # type: ignore[arg-type]  # pydantic validates the str into a PostgresDsn
        jwt_secret=SecretStr(SECRET),
    )

    url = settings.async_database_url
    assert url.query == {"ssl": mode}
    # --8<-- [end:sslmode]


# Values of the parameters it passes on that asyncpg could not use, and an
# asyncpg keyword the service does not pass on.
MALFORMED_OR_NOT_PASSED_ON = [
    ("?ssl=require&ssl=disable", "ssl"),
    ("?ssl=require&sslmode=require", "sslmode"),
    ("?prepared_statement_cache_size=many", "prepared_statement_cache_size"),
    ("?port=fifty", "port"),
    ("?command_timeout=-1", "command_timeout"),
    ("?statement_cache_size=0", "statement_cache_size"),
]


# --8<-- [start:refused-parameters]
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?sslmode=require&channel_binding=require", "channel_binding"),  # Neon's
        ("?connect_timeout=10", "connect_timeout"),
        ("?application_name=shop", "application_name"),
        ("?options=-c%20statement_timeout%3D0", "options"),
        ("?sslmode=verify-full&sslrootcert=/etc/ssl/rds.pem", "sslrootcert"),
        ("?sslmode=bogus", "sslmode"),
        ("?ssl=true", "ssl"),
        ("?dbname=shop", "dbname"),
        *MALFORMED_OR_NOT_PASSED_ON,
    ],
)
def test_a_url_parameter_asyncpg_would_refuse_stops_start_up_naming_it(
    query: str, named: str
) -> None:
    url = f"postgresql://shop:{DATABASE_PASSWORD}@db.internal:5432/shop{query}"

    with pytest.raises(ValidationError) as excinfo:
        Settings(database_url=url, jwt_secret=SecretStr(SECRET))  # type: ignore[arg-type]  # pydantic validates the str

    [error] = excinfo.value.errors()
    assert error["loc"] == ("database_url",)
    assert f"DATABASE_URL parameter {named}" in error["msg"]
    assert DATABASE_PASSWORD not in str(excinfo.value)
    # --8<-- [end:refused-parameters]


def test_a_url_with_several_hosts_stops_start_up_saying_so() -> None:
    url = f"postgresql://shop:{DATABASE_PASSWORD}@db1.internal:5432,db2.internal:5432/shop"

    with pytest.raises(ValidationError) as excinfo:
        Settings(database_url=url, jwt_secret=SecretStr(SECRET))  # type: ignore[arg-type]  # pydantic validates the str

    [error] = excinfo.value.errors()
    assert error["loc"] == ("database_url",)
    assert "DATABASE_URL names 2 hosts" in error["msg"]
    assert DATABASE_PASSWORD not in str(excinfo.value)


# One valid value of each parameter the settings pass on to asyncpg (the
# server's own host and port are added from the test database's URL).
PASSED_ON = {
    "ssl": "prefer",
    "target_session_attrs": "read-write",
    "command_timeout": "30",
    "prepared_statement_cache_size": "0",
}


async def test_every_url_parameter_the_settings_pass_on_connects(
    database_url: str,
) -> None:
    server = make_url(database_url)
    # In the query, the host and port replace the URL's: a placeholder host
    # in the URL proves it.
    passed_on = {**PASSED_ON, "host": str(server.host), "port": str(server.port)}
    query = "&".join(f"{name}={value}" for name, value in passed_on.items())
    url = server.set(host="unused.invalid", port=1).render_as_string(
        hide_password=False
    )
    settings = Settings(
        database_url=f"{url}?{query}",  # type: ignore[arg-type]  # pydantic validates the str
        jwt_secret=SecretStr(SECRET),
    )
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()

    assert set(passed_on) == set(ASYNCPG_PARAMETERS)
    assert settings.async_database_url.query == passed_on


@pytest.mark.parametrize(
    ("configured", "to_write"),
    [
        ("http://localhost:5173/", "http://localhost:5173"),
        ("https://shop.example/app", "https://shop.example"),
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example:443", "https://shop.example"),
        ("localhost:5173", "https://localhost:5173"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        # UTS #46 as browsers apply it keeps the ß; IDNA 2003 made it "ss".
        ("https://straße.example", "https://xn--strae-oqa.example"),
        # Not IDNA 2008, which refuses symbols: browsers follow UTS #46 alone.
        ("https://i❤.ws", "https://xn--i-7iq.ws"),
        # No host, a port that is no number, or a host no IDNA encoding takes:
        # the shape to write.
        ("https:///app", "https://host.example"),
        ("https://shop.example:port", "https://host.example"),
        ("https://a\u200db.example", "https://host.example"),
        ("https://a\ufffd.example", "https://host.example"),
    ],
)
def test_a_cors_origin_no_browser_sends_stops_start_up_showing_what_to_write(
    configured: str, to_write: str
) -> None:
    # CORSMiddleware compares the Origin header with each entry as it is:
    # such an entry would refuse every request of that frontend, silently.
    values: dict[str, Any] = {
        "database_url": "postgresql://localhost/shop",
        "jwt_secret": SECRET,
        "cors_origins": ("https://admin.shop.example", configured),
    }

    with pytest.raises(ValidationError) as excinfo:
        Settings(**values)

    (error,) = excinfo.value.errors()
    assert error["loc"] == ("cors_origins",)
    assert f"write {to_write}" in error["msg"]


@pytest.mark.parametrize(
    ("variable", "to_write"),
    [
        ("http://localhost:5173", '["http://localhost:5173"]'),
        (
            "https://shop.example, https://admin.shop.example",
            '["https://shop.example", "https://admin.shop.example"]',
        ),
        ("[https://shop.example]", '["[https://shop.example]"]'),
    ],
    ids=["one origin", "a comma-separated list", "a list without quotes"],
)
def test_cors_origins_not_written_as_a_json_list_stop_start_up_showing_the_list(
    monkeypatch: pytest.MonkeyPatch, variable: str, to_write: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shop")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("CORS_ORIGINS", variable)

    # pydantic-settings' own refusal, a SettingsError, names no fix.
    with pytest.raises((ValidationError, SettingsError)) as excinfo:
        Settings()

    assert isinstance(excinfo.value, ValidationError), excinfo.value
    (error,) = excinfo.value.errors()
    assert error["loc"] == ("cors_origins",)
    assert error["msg"].endswith(
        f"CORS_ORIGINS is a JSON list of origins: write CORS_ORIGINS='{to_write}'"
    )


def test_cors_origins_as_a_json_list_in_the_environment_or_dotenv_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shop")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("CORS_ORIGINS", '["https://shop.example"]')
    assert Settings().cors_origins == ("https://shop.example",)

    monkeypatch.delenv("CORS_ORIGINS")
    (tmp_path / ".env").write_text('CORS_ORIGINS=["http://localhost:5173"]\n')
    assert Settings().cors_origins == ("http://localhost:5173",)


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:5173", "https://shop.example", "http://[::1]:8080", "*"],
)
def test_origins_in_the_form_browsers_send_are_accepted(origin: str) -> None:
    values: dict[str, Any] = {
        "database_url": "postgresql://localhost/shop",
        "jwt_secret": SECRET,
        "cors_origins": (origin,),
    }

    settings = Settings(**values)

    assert settings.cors_origins == (origin,)


def test_an_optional_setting_left_empty_is_unset(tmp_path: Path) -> None:
    # .env.example: "Unset METRICS_PORT to serve none"; in a .env file, or
    # through compose's ${REDIS_URL:-}, unset is often written as empty.
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgresql://localhost/shop\n"
        f"JWT_SECRET={SECRET}\n"
        "METRICS_PORT=\n"
        "REDIS_URL=\n"
    )

    try:
        settings: Settings | None = Settings()
        refused: list[Any] = []
    except ValidationError as error:
        settings, refused = None, [problem["loc"] for problem in error.errors()]

    assert refused == []
    assert settings is not None
    assert settings.metrics_port is None
    assert settings.redis_url is None


def test_a_required_setting_left_empty_is_reported_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shop")
    monkeypatch.setenv("JWT_SECRET", "")

    with pytest.raises(ValidationError) as excinfo:
        Settings()

    assert [(e["loc"], e["type"]) for e in excinfo.value.errors()] == [
        (("jwt_secret",), "missing")
    ]


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A valid environment, which the test may change, and a get_settings()
    that reads it afresh; cleared again after the test."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shop")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_settings_that_validate_are_what_the_factory_gets() -> None:
    assert settings_or_exit() is get_settings()


@pytest.mark.usefixtures("fresh_settings")
def test_invalid_settings_end_the_process_one_line_per_variable_and_no_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("JWT_SECRET", "short-secret-value")
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "thirty")

    with pytest.raises(SystemExit) as exit_:
        settings_or_exit()

    lines = str(exit_.value.code).splitlines()
    assert lines[0] == "shop: 3 invalid setting(s), from the environment or .env:"
    assert lines[1:3] == [
        "  DATABASE_URL: not set, and required",
        "  JWT_SECRET: at least 32 characters, not 18",
    ]
    assert lines[3].startswith(
        "  ACCESS_TOKEN_MINUTES: Input should be a valid integer"
    )
    assert "short-secret" not in str(exit_.value.code)
    assert "thirty" not in str(exit_.value.code)


@pytest.mark.usefixtures("fresh_settings")
def test_a_problem_of_the_settings_as_a_whole_is_named_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # More failures an hour than ASVS allows: the model's own validator.
    monkeypatch.setenv("SIGN_IN_FAILURES_PER_ACCOUNT", "100")

    with pytest.raises(SystemExit) as exit_:
        settings_or_exit()

    [heading, line] = str(exit_.value.code).splitlines()
    assert heading == "shop: 1 invalid setting(s), from the environment or .env:"
    assert line.startswith("  settings: ")
