"""Specification: the API does what its OpenAPI document says, for any input.

Schemathesis reads ``/openapi.json`` and generates requests for every
operation, valid ones and invalid ones, from a fixed seed. The app runs
in-process with its real lifespan and engine, on a migrated database of this
module's own, since the generated requests commit rows. Every request is
signed in as a registered user; pagination cursors are real signed ones.

For each response: no 5xx, a documented status code, content type and
headers, a body that matches the documented schema, and a request the
schema calls valid is not refused as invalid.
"""

import secrets
from collections.abc import Iterator
from typing import Any, cast

import hypothesis.strategies as st
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from shop.catalog.models import Product
from shop.core.config import Settings
from shop.core.main import create_app
from shop.shared.base_model import MAX_ID
from shop.shared.pagination import CURSOR_FORMAT, CursorCodec, cursor_key
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    load_script,
    on_database,
)

EXAMPLES_PER_OPERATION = 30
CATALOG = {"MUG-1": 1250, "TEE-2": 2000, "CAP-3": 900}

# One secret for the app and for the cursors the strategy below signs.
SECRET = secrets.token_urlsafe(48)
CURSOR_CODEC = CursorCodec(cursor_key(SECRET.encode()))

# Generated cursors are the server's own: a listing resumes after some id.
# A format cannot know which listing it generates for, so the cursor is
# signed for a placeholder here and for the operation's route in map_query.
ANY_LISTING = "<any listing>"
schemathesis.openapi.format(
    CURSOR_FORMAT,
    st.integers(min_value=0, max_value=MAX_ID).map(
        lambda after_id: CURSOR_CODEC.encode(after_id, listing=ANY_LISTING)
    ),
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]

# What a valid request may still be answered with: a schema describes
# well-formed requests, not which rows exist. 404: an order or user id that
# is not the caller's; 409: an email generated twice. Order bodies name SKUs
# the catalog sells (map_body below), so a valid order is a 201.
ACCEPTED = ["2XX", 304, 404, 409]


def _also_accepts(name: str, *statuses: int) -> dict[str, Any]:
    return {
        "include-name": name,
        "checks": {
            "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *statuses]}
        },
    }


CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION},
        "operations": [
            # A well-formed sign-in with an unknown email or a wrong password
            # is refused as such.
            _also_accepts("POST /auth/token", 401),
            # JSON Schema's "email" format cannot say what email-validator
            # also refuses: domains reserved for special use (".test",
            # ".local"), which can never receive mail.
            _also_accepts("POST /users", 422),
        ],
    }
)


@pytest.fixture(scope="module")
async def shop_app(create_database: DatabaseFactory, settings: Settings) -> FastAPI:
    """The app on a migrated database of its own, with a small catalog."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Product),
            [
                {"sku": sku, "name": sku.title(), "unit_price_cents": price}
                for sku, price in CATALOG.items()
            ],
        )
    await engine.dispose()
    return create_app(
        on_database(
            settings,
            url,
            jwt_secret=SecretStr(SECRET),
            # The contract, not the brute-force limits (SEC-BRUTE-FORCE's
            # evidence tests those): generated requests from one client
            # would spend them.
            registrations_per_client=10_000,
            sign_in_failures_per_client=10_000,
            password_checks_per_client=10_000,
        )
    )


def map_body(ctx: schemathesis.HookContext, body: Any) -> Any:
    """Order lines name SKUs the catalog sells, so valid orders can succeed;
    a new password is the one the test signs in with, and so is the current."""
    label = ctx.operation.label if ctx.operation is not None else None
    if label == "PATCH /users/me" and isinstance(body, dict) and "password" in body:
        body["password"] = PASSWORD
        body["current_password"] = PASSWORD
    if label == "POST /orders" and isinstance(body, dict):
        items = body.get("items")
        skus = list(CATALOG)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and "sku" in item:
                item["sku"] = skus[index % len(skus)]
    return body


def map_query(ctx: schemathesis.HookContext, query: Any) -> Any:
    """A generated cursor is signed again for the listing it is sent to, as
    the server would have issued it; a negative case's junk stays junk."""
    if ctx.operation is None or not isinstance(query, dict):
        return query
    cursor = query.get("cursor")
    if isinstance(cursor, str):
        try:
            after_id = CURSOR_CODEC.decode(cursor, listing=ANY_LISTING)
        except ValueError:
            return query
        query["cursor"] = CURSOR_CODEC.encode(after_id, listing=ctx.operation.path)
    return query


@pytest.fixture(scope="module")
def api_schema(shop_app: FastAPI) -> Iterator[schemathesis.BaseSchema]:
    """The app's OpenAPI document, as the app serves it."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", shop_app, config=CONFIG)
    schema.hook(map_body)
    schema.hook(map_query)
    yield schema
    # The app's engine lives in Schemathesis' event loop thread: close it there.
    asgi.shutdown_lifespans()


def _asgi(app: FastAPI) -> asgi.ASGIApp:
    """The app as Schemathesis types an ASGI app (dict scopes, not Starlette's
    MutableMapping ones); the same callable either way."""
    return cast("asgi.ASGIApp", app)


class SignedIn:
    """A registered user's bearer token, renewed after a password change."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.email = f"prop-{secrets.token_hex(4)}@example.com"
        with asgi.get_client(_asgi(app)) as client:
            created = client.post(
                "/users",
                json={"email": self.email, "name": "Prop Test", "password": PASSWORD},
            )
        assert created.status_code == 201, created.text
        self.headers = self.sign_in()

    def sign_in(self) -> dict[str, str]:
        with asgi.get_client(_asgi(self.app)) as client:
            token = client.post(
                "/auth/token", data={"username": self.email, "password": PASSWORD}
            )
        assert token.status_code == 200, token.text
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return self.headers


@pytest.fixture(scope="module")
def user(api_schema: schemathesis.BaseSchema, shop_app: FastAPI) -> SignedIn:
    """The user every generated request is signed in as."""
    assert api_schema is not None  # the app is started by the schema's fetch
    return SignedIn(shop_app)


def _operations() -> list[tuple[str, GenerationMode]]:
    """Every operation of the OpenAPI document, in each mode it has inputs for."""
    app = create_app(
        Settings(
            _env_file=None,
            environment="test",
            database_url="postgresql+asyncpg://nobody@127.0.0.1/unused",  # type: ignore[arg-type]  # validated from a string
            jwt_secret=SecretStr(SECRET),
        )
    )
    document = app.openapi()
    cases = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((label, GenerationMode.NEGATIVE))
    return cases


@pytest.mark.parametrize(("label", "mode"), _operations())
def test_every_operation_keeps_its_documented_contract(
    api_schema: schemathesis.BaseSchema,
    user: SignedIn,
    label: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(operation.as_strategy(mode, hooks=api_schema.hooks))
    @settings(
        derandomize=True,
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_the_contract(case: schemathesis.Case[Any]) -> None:
        response = case.call_and_validate(headers=user.headers, checks=CHECKS)
        if label == "PATCH /users/me" and response.status_code == 200:
            user.sign_in()  # a password change revoked the token

    keeps_the_contract()
