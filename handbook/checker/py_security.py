"""Own checks: authentication, CORS, password hashing, secrets in settings,
the Redis client, traces and logs."""

import ast
import re
from collections.abc import Iterator

from handbook.checker.own import (
    SERVICE,
    Hit,
    Project,
    check,
    constant_number,
    own,
    string_built,
)
from handbook.checker.pysource import PyModule, keyword

JWT_DECODE = {"jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode"}
HASHLIB = {
    f"hashlib.{name}"
    for name in (
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "blake2b",
        "blake2s",
        "new",
    )
}
REDIS_CLIENTS = {
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
    "redis.asyncio.Redis", "redis.asyncio.from_url", "redis.asyncio.Redis.from_url",
    "redis.asyncio.client.Redis", "redis.asyncio.StrictRedis",
}  # fmt: skip
LIFETIME_NAME = re.compile(
    r"(?i)(access|jwt).*(expire|lifetime|ttl|minutes|hours|days)|(expire|lifetime|ttl).*(access|jwt)"
)
MINUTES_PER_DAY = 24 * 60

JWT_ALGORITHMS = own(
    "SEC-AUTHN",
    "jwt-decode-without-algorithms",
    "jwt.decode() without algorithms=: the token chooses how it is verified.",
)
TOKEN_DAYS = own(
    "SEC-AUTHN",
    "token-lifetime-days",
    "An access-token lifetime of more than a day in a setting or constant.",
    applies_to=SERVICE,
    known_problems="Reads names that say access or jwt with a lifetime word (ACCESS_TOKEN_EXPIRE_MINUTES, access_token_minutes) and constant values; a lifetime computed elsewhere is not seen.",
)
CORS_OPEN = own(
    "SEC-CORS",
    "cors-origins-in-code",
    "CORS middleware given allow_origins=['*'], an allow_origin_regex, or origins written into the code instead of read from settings.",
    applies_to=SERVICE,
)
PASSWORD_DIGEST = own(
    "SEC-PASSWORDS",
    "fast-password-hash",
    "A password passed to a fast digest (hashlib md5, sha1, sha256...) instead of a password hash such as Argon2id.",
)
REDIS_TIMEOUT = own(
    "PERF-REDIS-CACHE",
    "redis-without-timeout",
    "A Redis client without socket_timeout: a hung Redis hangs every request that reads the cache.",
    applies_to=SERVICE,
)
SPAN_NAME = own(
    "OPS-TRACING",
    "span-name-from-values",
    "A span named with an f-string or concatenation: names must be low-cardinality templates, with values as attributes.",
)
BASIC_CONFIG = own(
    "OPS-JSON-LOGS",
    "logging-basic-config",
    "logging.basicConfig() in service code: it installs a plain-text handler.",
    applies_to=SERVICE,
)


@check(JWT_ALGORITHMS)
def jwt_algorithms(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if (
            isinstance(node, ast.Call)
            and module.called(node) in JWT_DECODE
            and keyword(node, "algorithms") is None
            and not any(k.arg is None for k in node.keywords)
            and len(node.args) < 3
        ):
            yield (
                node,
                "jwt.decode() without algorithms=[...]: pin the algorithm you sign with",
            )


def _minutes(name: str, value: ast.expr | None, module: PyModule) -> float | None:
    if isinstance(value, ast.Call):
        called = module.called(value)
        if called == "datetime.timedelta":
            total = 0.0
            for item in value.keywords:
                amount = constant_number(item.value)
                if amount is None:
                    return None
                total += amount * {
                    "days": MINUTES_PER_DAY,
                    "hours": 60,
                    "minutes": 1,
                    "seconds": 1 / 60,
                    "weeks": 7 * MINUTES_PER_DAY,
                }.get(item.arg or "", 0)
            return total
        if called in ("pydantic.Field", "sqlmodel.Field"):
            value = keyword(value, "default") or (value.args[0] if value.args else None)
    amount = constant_number(value)
    if amount is None:
        return None
    lowered = name.lower()
    if "day" in lowered:
        return amount * MINUTES_PER_DAY
    if "hour" in lowered:
        return amount * 60
    if "second" in lowered:
        return amount / 60
    if "minute" in lowered:
        return amount
    return None


@check(TOKEN_DAYS)
def token_lifetime(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value = node.target.id, node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if "refresh" in name.lower() or not LIFETIME_NAME.search(name):
            continue
        minutes = _minutes(name, value, module)
        if minutes is not None and minutes > MINUTES_PER_DAY:
            yield (
                node,
                (
                    f"{name}: an access token lives {minutes / MINUTES_PER_DAY:g} days; a stolen one works "
                    "that long. Keep it to minutes (at most a day)"
                ),
            )


@check(CORS_OPEN)
def cors_origins(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_middleware"
        ):
            continue
        if not node.args or "CORS" not in (module.qualified(node.args[0]) or ""):
            continue
        origins = keyword(node, "allow_origins")
        if keyword(node, "allow_origin_regex") is not None:
            yield node, "allow_origin_regex: list the exact origins, read from settings"
        if isinstance(origins, ast.List | ast.Tuple | ast.Set):
            values = [e.value for e in origins.elts if isinstance(e, ast.Constant)]
            if "*" in values:
                yield (
                    node,
                    'allow_origins=["*"]: any site can call the API from a browser; allow the configured origins only',
                )
            elif values:
                yield (
                    node,
                    "CORS origins written into the code: read them from settings, per environment",
                )


def _mentions_password(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        name = (
            inner.id
            if isinstance(inner, ast.Name)
            else inner.attr
            if isinstance(inner, ast.Attribute)
            else ""
        )
        if "password" in name.lower() or "passwd" in name.lower():
            return True
    return False


@check(PASSWORD_DIGEST)
def password_digest(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if (
            isinstance(node, ast.Call)
            and module.called(node) in HASHLIB
            and any(_mentions_password(a) for a in node.args)
        ):
            yield (
                node,
                f"{module.called(node)}() on a password: fast digests are brute-forced; hash passwords with Argon2id",
            )


@check(REDIS_TIMEOUT)
def redis_timeout(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if (
            isinstance(node, ast.Call)
            and module.called(node) in REDIS_CLIENTS
            and keyword(node, "socket_timeout") is None
            and not any(k.arg is None for k in node.keywords)
        ):
            yield (
                node,
                "Redis client without socket_timeout: a hung Redis hangs the requests that use the cache",
            )


@check(SPAN_NAME)
def span_name(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("start_as_current_span", "start_span")
            and node.args
            and string_built(node.args[0])
        ):
            yield (
                node,
                'span name built from values: use a template ("GET /orders/{id}") and put values in attributes',
            )


@check(BASIC_CONFIG)
def basic_config(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if isinstance(node, ast.Call) and module.called(node) == "logging.basicConfig":
            yield (
                node,
                "logging.basicConfig() writes plain text: configure a JSON formatter instead",
            )


PROMETHEUS_METRICS = {
    f"prometheus_client.{name}"
    for name in ("Counter", "Gauge", "Histogram", "Summary", "Info", "Enum")
}
GLOBAL_METRIC = own(
    "OPS-METRICS",
    "metric-in-global-registry",
    "A Prometheus metric created at import time in the global registry: a second app in the same process (every test) registers it twice.",
    applies_to=SERVICE,
)


@check(GLOBAL_METRIC)
def global_metric(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if (
            isinstance(value, ast.Call)
            and module.called(value) in PROMETHEUS_METRICS
            and keyword(value, "registry") is None
        ):
            yield (
                node,
                f"{module.called(value).rsplit('.', 1)[-1]} registered at import time in the global registry: create metrics per app, with their own CollectorRegistry",
            )
