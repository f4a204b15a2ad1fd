"""Evidence for SEC-AUTHN: short-lived JWTs that a password change revokes.

Each test reproduces a claim docs/principles/security/authentication.md makes,
through the real API on the real database.
"""

import json
from typing import Any

import jwt
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.main import create_app
from shop.users.dependencies import get_password_hasher
from shop.users.security import BeforeHashing, PasswordHasher
from tests.support.pages import prose
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    UserFactory,
    build_app,
    lifespan_client,
    load_script,
    on_database,
    running,
)

PAGE = DOCS_DIR / "principles" / "security" / "authentication.md"
USERS_API_TESTS = REPO_ROOT / "tests" / "service" / "test_users_api.py"


async def test_a_password_change_revokes_the_token_issued_before(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    before = alice["headers"]
    assert (await client.get("/users/me", headers=before)).status_code == 200

    changed = await client.patch(
        "/users/me",
        headers=before,
        json={"password": "a brand new passphrase", "current_password": PASSWORD},
    )
    after = await client.get("/users/me", headers=before)
    old_password = await client.post(
        "/auth/token", data={"username": alice["email"], "password": PASSWORD}
    )

    assert changed.status_code == 200
    assert after.status_code == 401
    assert old_password.status_code == 401
    assert (
        "changes Alice's password and sends the token she had before: it is a 401"
        in (prose(PAGE))
    )


async def test_a_revoked_token_still_verifies_by_itself_so_only_the_server_refuses_it(
    client: AsyncClient, alice: dict[str, Any], settings: Settings
) -> None:
    token = alice["headers"]["Authorization"].removeprefix("Bearer ")
    changed = await client.patch(
        "/users/me",
        headers=alice["headers"],
        json={"password": "a brand new passphrase", "current_password": PASSWORD},
    )

    # The signature and expiry still check out: nothing in the token itself
    # knows it was revoked; the version check against the row refuses it.
    claims = jwt.decode(
        token, settings.jwt_secret.get_secret_value(), algorithms=["HS256"]
    )
    assert changed.status_code == 200
    assert claims["ver"] == 0
    assert (await client.get("/users/me", headers=alice["headers"])).status_code == 401


async def test_a_token_lives_30_minutes_and_carries_sub_ver_iat_exp(
    client: AsyncClient, register: UserFactory, settings: Settings
) -> None:
    user = await register(email="grace@example.com")
    response = await client.post(
        "/auth/token", data={"username": "grace@example.com", "password": PASSWORD}
    )

    body = response.json()
    claims = jwt.decode(
        body["access_token"],
        settings.jwt_secret.get_secret_value(),
        algorithms=["HS256"],
    )
    assert body["expires_in"] == 30 * 60
    assert set(claims) == {"sub", "ver", "iat", "exp"}
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert (claims["sub"], claims["ver"]) == (str(user["id"]), 0)
    field = Settings.model_fields["access_token_minutes"]
    assert field.default == 30
    assert any(getattr(rule, "le", None) == 24 * 60 for rule in field.metadata)
    assert "`access_token_minutes` (default 30, at most a day)" in prose(PAGE)


def test_the_bad_tokens_the_page_lists_are_cases_of_the_service_test() -> None:
    cases = USERS_API_TESTS.read_text()
    for case in (
        "expired",
        "alg-none",
        "alg-HS512",
        "subject-beyond-bigint",
        "older-token-version",
    ):
        assert f'"{case}":' in cases, case
    assert "def test_requests_without_a_valid_token_are_a_401(" in cases


class _WatchingHasher(PasswordHasher):
    """Records how many pooled connections are checked out while hashing."""

    def __init__(self) -> None:
        super().__init__(concurrency=1, queue_timeout_seconds=10)
        self.checked_out: list[int] = []
        self.pool: Any = None

    async def hash(self, password: str) -> str:
        self.checked_out.append(self.pool.checkedout())
        return await super().hash(password)

    async def verify(
        self,
        password: str,
        password_hash: str,
        *,
        before: BeforeHashing | None = None,
    ) -> bool:
        self.checked_out.append(self.pool.checkedout())
        return await super().verify(password, password_hash, before=before)


async def test_no_request_holds_a_connection_while_it_hashes(
    create_database: DatabaseFactory, settings: Settings
) -> None:
    # A database of its own: the app commits for real here.
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    app = create_app(on_database(settings, url))
    watching = _WatchingHasher()
    app.dependency_overrides[get_password_hasher] = lambda: watching
    async with (
        running(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://t") as c,
    ):
        watching.pool = served.state["engine"].pool
        account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
        registered = await c.post("/users", json=account)
        sign_in = {"username": "ada@example.com", "password": PASSWORD}
        token = (await c.post("/auth/token", data=sign_in)).json()["access_token"]
        wrong = await c.post("/auth/token", data=sign_in | {"password": "nope"})
        unknown = await c.post("/auth/token", data=sign_in | {"username": "x@y.z"})
        changed = await c.patch(
            "/users/me",
            headers={"Authorization": f"Bearer {token}"},
            json={"password": "a brand new passphrase", "current_password": PASSWORD},
        )

    assert [registered.status_code, wrong.status_code, unknown.status_code] == [
        201,
        401,
        401,
    ]
    assert changed.status_code == 200
    # register, sign-in, wrong password, decoy, and the password change's
    # check of the current password and hash of the new one: six.
    assert watching.checked_out == [0, 0, 0, 0, 0, 0]
    assert "Sign-in reads the user in the same kind of short session" in prose(PAGE)


async def test_auth_events_are_logged_with_account_and_client_never_the_password(
    settings: Settings, session: AsyncSession, capsys: pytest.CaptureFixture[str]
) -> None:
    app = build_app(
        settings.model_copy(update={"sign_in_failures_per_account": 2}), session
    )
    async with lifespan_client(
        app, client=("198.51.100.7", 50_000), base_url="http://t"
    ) as client:
        account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
        ada = (await client.post("/users", json=account)).json()
        sign_in = {"username": "ada@example.com", "password": PASSWORD}
        token = (await client.post("/auth/token", data=sign_in)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        fresh, guess = "a brand new passphrase", "wrong guess"
        new = {"password": fresh, "current_password": guess}
        await client.patch("/users/me", headers=headers, json=new)
        await client.patch(
            "/users/me", headers=headers, json=new | {"current_password": PASSWORD}
        )
        again = sign_in | {"password": fresh}
        token = (await client.post("/auth/token", data=again)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(3):
            await client.post("/auth/token", data=sign_in | {"password": guess})
        await client.patch("/users/me", headers=headers, json=new)  # locked out
        await client.post("/auth/token", data=sign_in | {"username": "x@y.z"})

    output = capsys.readouterr().out
    events = [
        line
        for line in map(json.loads, output.splitlines())
        if line["logger"] == "shop.auth"
    ]
    # --8<-- [start:auth-events]
    assert [(e["message"], e.get("user_id")) for e in events] == [
        ("sign-in succeeded", ada["id"]),
        ("password change refused", ada["id"]),
        ("password changed", ada["id"]),
        ("sign-in succeeded", ada["id"]),
        ("sign-in failed", ada["id"]),
        ("sign-in failed", ada["id"]),
        ("sign-in throttled", None),  # before any read: by pseudonym only
        ("password change throttled", ada["id"]),  # the row was read first
        ("sign-in failed", None),  # an unknown email: no account id
    ]
    assert {e["client"] for e in events} == {"198.51.100.7"}
    # Failures and throttling name the account by pseudonym, never by email.
    failed, throttled = events[4]["account"], events[6]["account"]
    assert events[-1]["account"] != events[-2]["account"] == throttled == failed
    for secret in (PASSWORD, fresh, guess, "ada@example.com"):
        assert secret not in output, secret
    # --8<-- [end:auth-events]


def test_the_sign_in_form_is_named_for_what_it_is_not_the_password_grant() -> None:
    schemas = (REPO_ROOT / "snippets" / "shop" / "users" / "schemas.py").read_text()
    text = prose(PAGE)
    assert "RFC 9700) says that grant MUST NOT be used" in text
    assert "RFC 9700 says the grant MUST NOT be" in " ".join(schemas.split())
    assert "a 403: the token is valid" in text


def test_the_source_says_only_implement_proper_auth_flows() -> None:
    source = (REPO_ROOT / "docs" / "_data" / "source-document.md").read_text(
        encoding="utf-8"
    )
    # Every line that speaks of authentication, passwords or signing in,
    # besides the directory tree's example package name.
    about_auth = [
        line.strip()
        for line in source.splitlines()
        if any(word in line.lower() for word in ("auth", "sign-in", "login"))
        and "domain" not in line
    ]
    assert about_auth == ["4. **Authentication** - Implement proper auth flows"]
    assert 'The source says only "implement proper auth flows"' in prose(PAGE)
