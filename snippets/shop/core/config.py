"""Typed application settings, read from the environment and a ``.env`` file."""

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Literal, Self
from urllib import parse

import idna
from pydantic import (
    BeforeValidator,
    Field,
    PostgresDsn,
    RedisDsn,
    Secret,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

# The value .env.example ships with. It is public, so a service that signs
# tokens with it lets anyone forge them; `task env-file` replaces it.
JWT_SECRET_PLACEHOLDER = "replace-me-with-at-least-32-random-characters"  # noqa: S105

# Brute force: OWASP ASVS v4.0.3-2.2.1 allows no more than 100 failed attempts
# per hour on one account.
MAX_ACCOUNT_FAILURES_PER_HOUR = 100


# --8<-- [start:asyncpg-query]
# SQLAlchemy hands each query parameter of the URL to asyncpg.connect() as a
# keyword argument, so one asyncpg does not know fails every connection, at
# the first request. These are the ones the service passes on, each shown to
# connect (tests/service/test_settings.py), with the values each may take.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
ASYNCPG_PARAMETERS: dict[
    str, tuple[str, ...] | Literal["text", "integer", "number"]
] = {
    "ssl": SSL_MODES,
    "target_session_attrs": (
        "any",
        "primary",
        "standby",
        "read-write",
        "read-only",
        "prefer-standby",
    ),
    # The server's host, in place of the URL's.
    "host": "text",
    "port": "integer",
    "command_timeout": "number",  # seconds
    "prepared_statement_cache_size": "integer",  # SQLAlchemy's own
}
VALUE_FORMS = {
    "text": (r".+", "some text"),
    "integer": (r"\d+", "an integer"),
    "number": (r"\d+(\.\d+)?", "a number"),
}
# libpq parameters asyncpg has no keyword for, and what to do instead.
LIBPQ_ALTERNATIVES = {
    "channel_binding": "asyncpg cannot bind the TLS channel; remove it "
    "and use sslmode=verify-full to authenticate the server",
    "connect_timeout": "set DATABASE_CONNECT_TIMEOUT_SECONDS instead",
    "application_name": "the service names its connections itself",
    "options": "the service sets its own server settings",
    **{
        name: f"set PG{name.upper()} in the environment, where asyncpg reads it"
        for name in ("sslrootcert", "sslcert", "sslkey", "sslcrl")
    },
}


def asyncpg_query(query: Mapping[str, str | tuple[str, ...]]) -> dict[str, str]:
    """The URL's query as asyncpg takes it; ValueError names what it cannot.

    libpq's ``sslmode`` (what managed databases hand out) becomes asyncpg's
    ``ssl``, which takes the same values. The messages name parameters and
    SSL modes, never the rest of the URL, which holds the password.
    """
    translated: dict[str, str] = {}
    for name, value in query.items():
        target = "ssl" if name == "sslmode" else name
        if not isinstance(value, str):
            raise ValueError(f"DATABASE_URL parameter {name} is given more than once")
        if target not in ASYNCPG_PARAMETERS:
            advice = LIBPQ_ALTERNATIVES.get(name, "the service does not pass it on")
            raise ValueError(f"DATABASE_URL parameter {name}: {advice}")
        allowed = ASYNCPG_PARAMETERS[target]
        if isinstance(allowed, tuple) and value not in allowed:
            raise ValueError(
                f"DATABASE_URL parameter {name} must be one of {', '.join(allowed)}"
            )
        if isinstance(allowed, str):
            form, described = VALUE_FORMS[allowed]
            if not re.fullmatch(form, value):
                raise ValueError(f"DATABASE_URL parameter {name} must be {described}")
        if target in translated:
            raise ValueError(f"DATABASE_URL parameter {name} repeats ssl: give one")
        translated[target] = value
    return translated
    # --8<-- [end:asyncpg-query]


DEFAULT_PORTS = {"http": 80, "https": 443}


def _browser_ascii_host(host: str) -> str | None:
    """``host`` in the xn-- form a browser sends, or None if it sends none.

    The WHATWG URL standard maps a host by UTS #46 without the transitional
    rules ("straße" is xn--strae-oqa; Python's "idna" codec is IDNA 2003,
    which makes it "strasse", another domain), and without IDNA 2008's
    rules on which characters a label may hold: "i❤.ws" is a domain there.
    It does refuse a zero-width joiner out of place.
    """
    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except idna.IDNAError:
        return None
    labels = []
    for label in mapped.split("."):
        if label.isascii():
            labels.append(label)
        elif any(
            not idna.valid_contextj(label, at)
            for at, character in enumerate(label)
            if character in "\u200c\u200d"
        ):
            return None
        else:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)


def serialized_origin(origin: str) -> str:
    """``origin`` as a browser's ``Origin`` header would carry it.

    A scheme, a lower-case host and a port only if it is not the scheme's
    default (the WHATWG URL standard's serialization): no path, not even
    ``/``. Without a scheme, https is assumed; without a valid host or
    port, a placeholder shows the shape to write.
    """
    if "://" not in origin:
        return serialized_origin(f"https://{origin.strip()}")
    parts = parse.urlsplit(origin.strip())
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host:
        return f"{scheme}://host.example"
    if not host.isascii():
        host = _browser_ascii_host(host)
        if host is None:
            return f"{scheme}://host.example"
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


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
        # METRICS_PORT= or REDIS_URL= (in .env, or compose's ${REDIS_URL:-})
        # is how an optional setting is left out: unset, not an invalid port
        # or URL that stops start-up. A required one empty is reported missing.
        env_ignore_empty=True,
        # A rejected value is not repeated in the error: a JWT_SECRET one
        # character too short would otherwise be printed at start-up.
        hide_input_in_errors=True,
        # get_settings() hands every caller the same object: none may change
        # it for the others. A test makes another with model_copy(update=...).
        frozen=True,
    )

    # Production unless told otherwise: a deployment that forgets the
    # variable fails closed (no /docs, /redoc or /openapi.json), while local
    # development gets "development" from the .env that .env.example seeds.
    environment: Literal["development", "test", "production"] = "production"
    # In any case: uvicorn's own --log-level is written "info".
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"],
        BeforeValidator(
            lambda value: value.upper() if isinstance(value, str) else value
        ),
    ] = "INFO"

    # --8<-- [start:secret-dsn]
    # The URL holds the database password: Secret keeps it out of repr(),
    # str() and JSON dumps; only get_secret_value() reads it.
    database_url: Secret[PostgresDsn]
    # --8<-- [end:secret-dsn]
    # --8<-- [start:database-timeouts]
    # Every wait on the database has a bound, so a stuck database turns into
    # a quick 503 instead of requests (and shutdowns) that hang with it.
    # asyncpg's own connect default is 60 s.
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Waiting for a free pooled connection (SQLAlchemy's default is 30 s).
    database_pool_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Client side: asyncpg gives up on any statement after this long, even
    # if the server never answers (a frozen host, a lost packet).
    database_command_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # Server side: PostgreSQL cancels a statement running longer than this.
    database_statement_timeout_ms: int = Field(default=4_000, ge=100, le=300_000)
    database_pool_size: int = Field(default=5, ge=1, le=100)
    database_max_overflow: int = Field(default=5, ge=0, le=100)
    # --8<-- [end:database-timeouts]

    # Unset: no cache, every read goes to the database. A Secret, as the
    # database URL is: a production Redis URL holds its password.
    redis_url: Secret[RedisDsn] | None = None
    cache_ttl_seconds: int = Field(default=300, ge=1)
    # A cache that answers slower than this is treated as a miss.
    cache_timeout_seconds: float = Field(default=0.25, gt=0, le=5)

    # HS256 needs at least 256 bits of key (RFC 7518, section 3.2).
    jwt_secret: SecretStr = Field(min_length=32)
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)

    # Argon2 hashes that may run at once, each in a worker thread. On a
    # 2-core machine, one leaves a core free for the event loop.
    password_hash_concurrency: int = Field(default=1, ge=1, le=64)
    # --8<-- [start:throttle-settings]
    # A request waits at most this long for a hashing slot, then gets a 503.
    password_hash_queue_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Brute-force limits, shared by every worker through Redis (REDIS_URL).
    # Failed sign-ins (password guesses) per account and per client address
    # within the window; ASVS v4.0.3-2.2.1 allows at most 100 failures per
    # account per hour.
    throttle_window_seconds: int = Field(default=900, ge=60, le=86_400)
    sign_in_failures_per_account: int = Field(default=10, ge=1, le=100)
    sign_in_failures_per_client: int = Field(default=100, ge=1, le=10_000)
    registrations_per_client: int = Field(default=20, ge=1, le=10_000)
    # Password checks per client address in any 10 seconds, successes too:
    # each costs a hash, so without this one address signing in to its own
    # accounts can fill the hashing queue. Five (30 a minute, 1,800 an
    # hour) is far more than a person needs and leaves room for many behind
    # one NAT; sent at once, they are five hashes in the queue, not a flood.
    password_checks_per_client: int = Field(default=5, ge=1, le=10_000)
    # --8<-- [end:throttle-settings]

    # A request body larger than this is refused with 413 before it is read.
    max_request_body_bytes: int = Field(default=64 * 1024, ge=1024, le=64 * 1024**2)

    # --8<-- [start:metrics-listener]
    # Prometheus metrics are served on a listener of their own, never on the
    # API's port. Unset: not served at all. Loopback by default; in a
    # container, 0.0.0.0 with the port left out of the ingress.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # --8<-- [end:metrics-listener]

    # --8<-- [start:cors-origins]
    # In the environment, a JSON list: CORS_ORIGINS='["https://shop.example"]'.
    # NoDecode hands the text to the validator below, which says what to
    # write when it is not one; pydantic-settings' own error names the
    # field and a JSONDecodeError, not the fix.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # --8<-- [end:cors-origins]

    @field_validator("jwt_secret")
    @classmethod
    def _not_the_published_placeholder(cls, secret: SecretStr) -> SecretStr:
        if secret.get_secret_value() == JWT_SECRET_PLACEHOLDER:
            raise ValueError(
                "JWT_SECRET is still the placeholder from .env.example; "
                "generate one with `uv run task env-file` or "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"`'
            )
        return secret

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins_from_a_json_list(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            # "https://a,https://b", the form other tools take: show it as
            # the JSON list it was meant to be.
            meant = json.dumps(
                [part.strip() for part in value.split(",") if part.strip()]
            )
            raise ValueError(
                f"CORS_ORIGINS is a JSON list of origins: write CORS_ORIGINS='{meant}'"
            ) from None

    @field_validator("cors_origins")
    @classmethod
    def _origins_as_browsers_send_them(
        cls, origins: tuple[str, ...]
    ) -> tuple[str, ...]:
        # The middleware compares each Origin header with these strings as
        # they are: an entry a browser never sends (a trailing slash, a path,
        # capitals, :443) would refuse that frontend's every request, with
        # nothing in the logs to say why.
        for origin in origins:
            if origin != "*" and (expected := serialized_origin(origin)) != origin:
                raise ValueError(
                    f"CORS_ORIGINS entry {origin!r} is not an origin as a browser "
                    f"sends it, so it would match no request: write {expected}"
                )
        return origins

    @model_validator(mode="after")
    def _account_limit_within_asvs(self) -> Self:
        # The most failures any hour can hold: a moving window admits a
        # full allowance again only after its oldest failure is a whole
        # window old, so an hour holds as many allowances as windows begin
        # in it (four of 900 s, four of 1,000 s: not 3.6).
        windows = math.ceil(3600 / self.throttle_window_seconds)
        per_hour = self.sign_in_failures_per_account * windows
        if per_hour > MAX_ACCOUNT_FAILURES_PER_HOUR:
            raise ValueError(
                f"SIGN_IN_FAILURES_PER_ACCOUNT over THROTTLE_WINDOW_SECONDS allows "
                f"{per_hour:g} failed sign-ins per account per hour; "
                f"ASVS v4.0.3-2.2.1 allows at most {MAX_ACCOUNT_FAILURES_PER_HOUR} guesses"
            )
        return self

    # --8<-- [start:async-url]
    @field_validator("database_url")
    @classmethod
    def _asyncpg_can_connect_with_it(
        cls, url: Secret[PostgresDsn]
    ) -> Secret[PostgresDsn]:
        # At start-up, not at the first connection: the URL must be one
        # asyncpg can use (one host, parameters it takes).
        dsn = str(url.get_secret_value())
        # pydantic accepts h1:5432,h2:5432; SQLAlchemy's URL parser does not.
        hosts = parse.urlsplit(dsn).netloc.rpartition("@")[2].count(",") + 1
        if hosts > 1:
            raise ValueError(
                f"DATABASE_URL names {hosts} hosts; the service connects to "
                "one: give it the primary's address, or a proxy's"
            )
        asyncpg_query(make_url(dsn).query)
        return url

    @property
    def async_database_url(self) -> URL:
        """The database URL with the asyncpg driver, whatever scheme was configured.

        Accepts ``postgres://``, ``postgresql://`` and ``postgresql+<driver>://``
        alike; a string ``replace`` of one spelling misses the others. The
        query is the one asyncpg takes (``asyncpg_query``).
        """
        dsn = str(self.database_url.get_secret_value())
        url = make_url(dsn).set(drivername="postgresql+asyncpg")
        return url.set(query=asyncpg_query(url.query))
        # --8<-- [end:async-url]


@lru_cache
def get_settings() -> Settings:
    """Read the settings once per process: ``create_app()`` (the uvicorn
    factory) does, through ``settings_or_exit()``."""
    # The required fields come from the environment (pydantic-settings).
    return Settings()


def settings_or_exit() -> Settings:
    """``get_settings()`` at a process's start: settings that do not validate
    end it with one line per problem instead of a traceback.

    pydantic's report comes at the end of the traceback of whatever called
    the factory, and names the field (``jwt_secret``); an operator sets the
    variable (``JWT_SECRET``), so each line names that.
    """
    try:
        return get_settings()
    except ValidationError as error:
        raise SystemExit(invalid_settings_message(error)) from None


def _is_secret_text(field: str) -> bool:
    """Whether the setting ``field`` is a ``SecretStr``: its length is text."""
    info = Settings.model_fields.get(field)
    return info is not None and info.annotation is SecretStr


def invalid_settings_message(error: ValidationError) -> str:
    """One line per problem, by environment variable, and no secret: the
    settings hide the input they refuse, and only CORS_ORIGINS' own message
    quotes what was written, to show the list it meant."""
    problems = error.errors(include_input=False, include_url=False)
    lines = [f"shop: {len(problems)} invalid setting(s), from the environment or .env:"]
    for problem in problems:
        field = str(problem["loc"][0]) if problem["loc"] else ""
        where = field.upper() if field else "settings"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            message = "not set, and required"
        elif problem["type"] == "too_short" and _is_secret_text(field):
            # pydantic counts a SecretStr's length in "items".
            context = problem.get("ctx", {})
            message = (
                f"at least {context['min_length']} characters, "
                f"not {context['actual_length']}"
            )
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)
