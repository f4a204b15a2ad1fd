"""Specification of the users endpoints: registration, sign-in, profiles."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import QueuePool

from shop.core.config import Settings
from shop.core.database import create_engine, create_session_factory
from shop.core.main import create_app
from shop.shared.exceptions import ForbiddenError, NotFoundError
from shop.users import security
from shop.users.models import User
from shop.users.repository import UserRepository
from shop.users.schemas import UserUpdate
from shop.users.security import create_access_token
from shop.users.service import UserService
from tests.support.logs import json_log_lines
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    LifespanServed,
    UserFactory,
    assert_error,
    build_app,
    client_for,
    count_rows,
    load_script,
    on_database,
    running,
)
from tests.support.sql_statements import count_statements

# --- registration -----------------------------------------------------------


# --8<-- [start:register-201]
async def test_registering_returns_201_the_public_profile_and_its_location(
    client: AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(
        "/users",
        json={
            "email": "grace@example.com",
            "name": "Grace Hopper",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "name", "created_at"}
    assert body["email"] == "grace@example.com"
    assert response.headers["location"] == f"/users/{body['id']}"
    assert await count_rows(session, User) == 1
    # --8<-- [end:register-201]


# --8<-- [start:argon2id-hash]
async def test_the_password_is_stored_only_as_an_argon2id_hash(
    register: UserFactory, session: AsyncSession
) -> None:
    user = await register(email="hash@example.com")

    stored = await session.get_one(User, user["id"])
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert security._password_hash.verify(PASSWORD, stored.password_hash)
    # --8<-- [end:argon2id-hash]


async def test_emails_are_stored_lower_cased(register: UserFactory) -> None:
    user = await register(email="Mixed.Case@Example.COM")

    assert user["email"] == "mixed.case@example.com"


# --8<-- [start:register-409]
async def test_registering_an_existing_email_is_a_409_and_writes_nothing(
    client: AsyncClient, register: UserFactory, session: AsyncSession
) -> None:
    await register(email="taken@example.com")

    response = await client.post(
        "/users",
        json={
            "email": "TAKEN@example.com",
            "name": "Someone Else",
            "password": PASSWORD,
        },
    )

    assert_error(response, 409, "conflict")
    assert await count_rows(session, User) == 1
    # --8<-- [end:register-409]


async def _nobody_has_this_email(*_: Any) -> None:
    return None


async def test_a_registration_that_loses_a_race_is_a_409_not_a_500(
    client: AsyncClient,
    register: UserFactory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await register(email="race@example.com")

    # Simulate the other request committing between our check and our insert:
    # the check sees nothing, the unique index rejects the insert.
    monkeypatch.setattr(UserRepository, "get_by_email", _nobody_has_this_email)
    response = await client.post(
        "/users",
        json={"email": "race@example.com", "name": "Racer", "password": PASSWORD},
    )

    assert_error(response, 409, "conflict")
    assert await count_rows(session, User) == 1


@pytest.mark.parametrize("refused_by", ["the check", "the unique index"])
async def test_a_taken_email_is_refused_in_the_same_words_either_way(
    client: AsyncClient,
    register: UserFactory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    refused_by: str,
) -> None:
    await register(email="taken@example.com")
    if refused_by == "the unique index":  # another request won a race past the check
        monkeypatch.setattr(UserRepository, "get_by_email", _nobody_has_this_email)

    with count_statements(await session.connection()) as statements:
        response = await client.post(
            "/users",
            json={"email": "taken@example.com", "name": "Bo", "password": PASSWORD},
        )

    error = assert_error(response, 409, "conflict")
    assert error["message"] == "Email already registered"
    # The check answers before any write is tried; only a race reaches the index.
    inserts = [statement for statement in statements if statement.startswith("INSERT")]
    assert len(inserts) == (1 if refused_by == "the unique index" else 0)


def _upper_case_the_email(user: User, _taken_id: int) -> None:
    user.email = user.email.upper()


def _reuse_a_taken_id(user: User, taken_id: int) -> None:
    user.id = taken_id


@pytest.mark.parametrize(
    ("corrupt", "constraint"),
    [
        (_upper_case_the_email, "ck_users_email_lowercase"),
        # A unique violation too, but of another constraint than the email's.
        (_reuse_a_taken_id, "pk_users"),
    ],
)
async def test_a_registration_breaking_another_constraint_is_a_logged_500(
    settings: Settings,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    corrupt: Callable[[User, int], None],
    constraint: str,
) -> None:
    # A bug past the schema: the row written breaks another constraint. It
    # is not "Email already registered", and someone must hear of it.
    stage = UserRepository.add

    def add_corrupted(repository: UserRepository, user: User) -> None:
        corrupt(user, taken["id"])
        stage(repository, user)

    # Built here: the app logs to the sys.stdout of its creation, capsys's.
    async with client_for(build_app(settings, session)) as client:
        account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
        taken = (await client.post("/users", json=account)).json()
        monkeypatch.setattr(UserRepository, "add", add_corrupted)
        response = await client.post(
            "/users",
            json={"email": "check@example.com", "name": "Check", "password": PASSWORD},
        )

    assert_error(response, 500, "internal_server_error")
    (logged,) = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["level"] == "ERROR"
    ]
    assert logged["message"] == "unhandled error"
    assert (logged["method"], logged["path"]) == ("POST", "/users")
    assert f'constraint "{constraint}"' in logged["exception"]
    assert await count_rows(session, User) == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "No Email", "password": PASSWORD}, "body.email"),
        ({"email": "a@example.com", "password": PASSWORD}, "body.name"),
        ({"email": "a@example.com", "name": "No Password"}, "body.password"),
        ({"email": "not-an-email", "name": "N", "password": PASSWORD}, "body.email"),
        ({"email": 42, "name": "N", "password": PASSWORD}, "body.email"),
        ({"email": "a@example.com", "name": "", "password": PASSWORD}, "body.name"),
        ({"email": "a@example.com", "name": "   ", "password": PASSWORD}, "body.name"),
        (
            {"email": "a@example.com", "name": "x" * 101, "password": PASSWORD},
            "body.name",
        ),
        ({"email": "a@example.com", "name": ["N"], "password": PASSWORD}, "body.name"),
        ({"email": "a@example.com", "name": "N", "password": "short"}, "body.password"),
        (
            {"email": "a@example.com", "name": "N", "password": "p" * 129},
            "body.password",
        ),
        ({"email": "a@example.com", "name": "N", "password": None}, "body.password"),
        (
            {
                "email": "a" * 64 + "@" + "b" * 185 + ".example",
                "name": "N",
                "password": PASSWORD,
            },
            "body.email",
        ),
        (
            {
                "email": "a@example.com",
                "name": "N",
                "password": PASSWORD,
                "is_admin": True,
            },
            "body.is_admin",
        ),
    ],
)
async def test_invalid_registrations_are_a_422_naming_the_field_and_write_nothing(
    client: AsyncClient, session: AsyncSession, payload: dict[str, Any], field: str
) -> None:
    response = await client.post("/users", json=payload)

    error = assert_error(response, 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]]
    assert await count_rows(session, User) == 0


async def test_validation_errors_never_echo_the_submitted_password(
    client: AsyncClient,
) -> None:
    response = await client.post(
        "/users",
        json={"email": "bad", "name": "N", "password": "hunter2-but-short"[:11]},
    )

    assert_error(response, 422, "validation_error")
    assert "hunter2" not in response.text


@pytest.mark.parametrize(
    ("request_kind", "password", "message"),
    [
        ("register", "x" * 11, "String should have at least 12 characters"),
        ("register", "x" * 129, "String should have at most 128 characters"),
        ("sign in", "x" * 129, "String should have at most 128 characters"),
        ("change", "", "String should have at least 1 character"),
    ],
    ids=["new-too-short", "new-too-long", "sign-in-too-long", "current-empty"],
)
async def test_a_password_of_the_wrong_length_is_told_in_characters(
    client: AsyncClient,
    alice: dict[str, Any],
    request_kind: str,
    password: str,
    message: str,
) -> None:
    # SecretStr's own wording is "Value should have at least 12 items".
    if request_kind == "register":
        response = await client.post(
            "/users",
            json={"email": "ada@example.com", "name": "Ada", "password": password},
        )
    elif request_kind == "sign in":
        response = await client.post(
            "/auth/token", data={"username": "ada@example.com", "password": password}
        )
    else:
        response = await client.patch(
            "/users/me",
            headers=alice["headers"],
            json={"password": PASSWORD + "-new", "current_password": password},
        )

    error = assert_error(response, 422, "validation_error")
    assert [d["message"] for d in error["details"]] == [message]


async def test_a_body_that_is_not_json_is_a_422(client: AsyncClient) -> None:
    response = await client.post(
        "/users", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert_error(response, 422, "validation_error")


async def test_sql_looking_input_is_stored_verbatim_and_harmless(
    client: AsyncClient, session: AsyncSession
) -> None:
    name = "Robert'); DROP TABLE users; --"

    response = await client.post(
        "/users",
        json={"email": "bobby@example.com", "name": name, "password": PASSWORD},
    )

    assert response.status_code == 201
    assert response.json()["name"] == name
    assert await session.scalar(select(User.name)) == name


# --- signing in ---------------------------------------------------------------


async def test_signing_in_returns_a_bearer_token_for_the_user(
    client: AsyncClient, register: UserFactory, settings: Settings
) -> None:
    user = await register(email="signin@example.com")

    response = await client.post(
        "/auth/token", data={"username": "SignIn@Example.com", "password": PASSWORD}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"  # noqa: S105  # a scheme name
    assert body["expires_in"] == settings.access_token_minutes * 60
    claims = jwt.decode(
        body["access_token"],
        settings.jwt_secret.get_secret_value(),
        algorithms=["HS256"],
    )
    assert claims["sub"] == str(user["id"])
    assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("signin@example.com", "wrong password, long enough"),
        ("nobody@example.com", PASSWORD),
        # Not a 422 on the address's format: no account has this name either.
        ("signin", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email", "not-an-email"],
)
async def test_bad_credentials_are_a_401_that_does_not_say_which_part_was_wrong(
    client: AsyncClient, register: UserFactory, username: str, password: str
) -> None:
    await register(email="signin@example.com")

    response = await client.post(
        "/auth/token", data={"username": username, "password": password}
    )

    error = assert_error(response, 401, "unauthorized")
    assert error["message"] == "Incorrect email or password"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_signing_in_without_form_fields_is_a_422(client: AsyncClient) -> None:
    response = await client.post(
        "/auth/token", data={"username": "someone@example.com"}
    )

    error = assert_error(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["body.password"]


# --- authentication of requests -------------------------------------------------


def _token(settings: Settings, user_id: int, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "ver": 0,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    } | overrides
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _signed(
    settings: Settings, claims: dict[str, Any], algorithm: str = "HS256"
) -> str:
    # The server's own key, whatever the algorithm: a token the server
    # refuses must be refused for its algorithm, not for a wrong key. (HS512
    # wants a key as long as its 512-bit digest; the tests' secret is.)
    key = settings.jwt_secret.get_secret_value()
    assert len(key.encode()) * 8 >= 512, "the tests' JWT secret is too short"
    return jwt.encode(claims, key, algorithm=algorithm)


# Each builds an Authorization header for the signed-in user's id, so that the
# only thing wrong with the request is the thing the case is named after.
BAD_AUTHORIZATIONS: dict[str, Callable[[Settings, int], str | None]] = {
    "missing": lambda _s, _id: None,
    "wrong-scheme": lambda _s, _id: "Basic dXNlcjpwYXNzd29yZA==",
    "not-a-jwt": lambda _s, _id: "Bearer not-a-jwt",
    "expired": lambda s, id_: (
        "Bearer " + _token(s, id_, exp=datetime.now(UTC) - timedelta(seconds=1))
    ),
    "forged-signature": lambda _s, id_: (
        "Bearer "
        + create_access_token(
            id_,
            token_version=0,
            secret=SecretStr("not-the-server-key-" * 3),
            lifetime=timedelta(minutes=5),
        )
    ),
    "alg-none": lambda _s, id_: (
        "Bearer "
        + jwt.encode(
            {"sub": str(id_), "ver": 0, "iat": 0, "exp": 2**40}, None, algorithm="none"
        )
    ),
    "alg-HS512": lambda s, id_: (
        "Bearer "
        + _signed(
            s, {"sub": str(id_), "ver": 0, "iat": 0, "exp": 2**40}, algorithm="HS512"
        )
    ),
    "no-expiry": lambda s, id_: (
        "Bearer " + _signed(s, {"sub": str(id_), "ver": 0, "iat": 0})
    ),
    "non-numeric-subject": lambda s, _id: "Bearer " + _token(s, 0, sub="admin"),
    "user-does-not-exist": lambda s, _id: "Bearer " + _token(s, 999_999_999),
    "subject-beyond-bigint": lambda s, _id: "Bearer " + _token(s, 2**63),
    "subject-zero": lambda s, _id: "Bearer " + _token(s, 0),
    "no-token-version": lambda s, id_: (
        "Bearer " + _signed(s, {"sub": str(id_), "iat": 0, "exp": 2**40})
    ),
    "negative-token-version": lambda s, id_: "Bearer " + _token(s, id_, ver=-1),
    "string-token-version": lambda s, id_: "Bearer " + _token(s, id_, ver="0"),
    "older-token-version": lambda s, id_: "Bearer " + _token(s, id_, ver=1),
}


@pytest.mark.parametrize("case", BAD_AUTHORIZATIONS)
async def test_requests_without_a_valid_token_are_a_401(
    client: AsyncClient, alice: dict[str, Any], settings: Settings, case: str
) -> None:
    authorization = BAD_AUTHORIZATIONS[case](settings, alice["id"])
    headers = {"Authorization": authorization} if authorization else {}

    response = await client.get("/users/me", headers=headers)

    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_built_like_the_bad_ones_but_correct_is_accepted(
    client: AsyncClient, alice: dict[str, Any], settings: Settings
) -> None:
    response = await client.get(
        "/users/me",
        headers={"Authorization": "Bearer " + _token(settings, alice["id"])},
    )

    assert response.status_code == 200


async def test_a_token_of_a_deleted_user_is_a_401(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    await session.delete(await session.get_one(User, alice["id"]))
    await session.flush()

    response = await client.get("/users/me", headers=alice["headers"])

    assert_error(response, 401, "unauthorized")


# --- profiles --------------------------------------------------------------------


async def test_me_is_the_signed_in_user(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.get("/users/me", headers=alice["headers"])

    assert response.status_code == 200
    assert response.json() == {k: v for k, v in alice.items() if k != "headers"}


async def test_updating_me_changes_only_the_fields_sent(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.patch(
        "/users/me", headers=alice["headers"], json={"name": "Alice B."}
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Alice B."
    assert response.json()["email"] == alice["email"]


async def _stored_row(session: AsyncSession, user_id: int) -> tuple[object, ...]:
    """Every column of the user's row, as the database has it now."""
    user = await session.get_one(User, user_id, populate_existing=True)
    return tuple(getattr(user, column.key) for column in User.__table__.columns)


async def test_an_empty_update_changes_nothing(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    before = await _stored_row(session, alice["id"])

    response = await client.patch("/users/me", headers=alice["headers"], json={})

    assert response.status_code == 200
    profile = {key: value for key, value in alice.items() if key != "headers"}
    assert response.json() == profile
    # Nothing written: not the hash, not token_version, so the token still works.
    assert await _stored_row(session, alice["id"]) == before
    me = await client.get("/users/me", headers=alice["headers"])
    assert me.status_code == 200


# --8<-- [start:password-change-flow]
async def test_after_changing_the_password_only_the_new_one_signs_in(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    new_password = "a brand new passphrase"  # noqa: S105  # a test user's password
    response = await client.patch(
        "/users/me",
        headers=alice["headers"],
        json={"password": new_password, "current_password": PASSWORD},
    )
    assert response.status_code == 200

    old = await client.post(
        "/auth/token", data={"username": alice["email"], "password": PASSWORD}
    )
    new = await client.post(
        "/auth/token", data={"username": alice["email"], "password": new_password}
    )

    assert_error(old, 401, "unauthorized")
    assert new.status_code == 200
    # --8<-- [end:password-change-flow]


@pytest.mark.parametrize(
    ("current_password", "status", "code"),
    [
        (None, 422, "validation_error"),
        ("a guess at her password", 403, "forbidden"),
    ],
    ids=["without-current-password", "wrong-current-password"],
)
async def test_a_token_alone_cannot_change_the_password(
    client: AsyncClient,
    alice: dict[str, Any],
    current_password: str | None,
    status: int,
    code: str,
) -> None:
    """Whoever holds a stolen token still needs the password to take over."""
    body = {"password": "the thief's new passphrase"}
    if current_password is not None:
        body["current_password"] = current_password

    response = await client.patch("/users/me", headers=alice["headers"], json=body)

    error = assert_error(response, status, code)
    if status == 422:
        assert [d["field"] for d in error["details"]] == ["body.current_password"]
    # Nothing changed: the owner's token and password both still work.
    assert (await client.get("/users/me", headers=alice["headers"])).status_code == 200
    sign_in = {"username": alice["email"], "password": PASSWORD}
    assert (await client.post("/auth/token", data=sign_in)).status_code == 200


async def test_a_wrong_current_password_is_a_403_that_keeps_the_token(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.patch(
        "/users/me",
        headers=alice["headers"],
        json={"password": "a brand new passphrase", "current_password": "wrong!"},
    )

    error = assert_error(response, 403, "forbidden")
    assert error["message"] == "The current password is incorrect"
    # Not a 401: the token is fine, and a client must not throw it away.
    assert "www-authenticate" not in response.headers


async def test_a_name_change_needs_no_password_and_keeps_the_token(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    renamed = await client.patch(
        "/users/me", headers=alice["headers"], json={"name": "Alice L."}
    )

    assert renamed.json()["name"] == "Alice L."
    assert (await client.get("/users/me", headers=alice["headers"])).status_code == 200


async def test_name_and_password_change_together_in_one_update(
    client: AsyncClient, alice: dict[str, Any], session: AsyncSession
) -> None:
    response = await client.patch(
        "/users/me",
        headers=alice["headers"],
        json={
            "name": "Alice L.",
            "password": "a brand new passphrase",
            "current_password": PASSWORD,
        },
    )

    assert response.json()["name"] == "Alice L."
    stored = await session.get_one(User, alice["id"])
    assert (stored.name, stored.token_version) == ("Alice L.", 1)


def _users_service(session: AsyncSession, served: LifespanServed) -> UserService:
    """The users service on ``session``, with the running app's resources:
    its rules without HTTP in front of them."""
    return UserService(
        session,
        served.state["password_hasher"],
        served.state["cache"],
        served.state["sign_in_throttle"],
    )


@pytest.mark.parametrize(
    "change",
    [
        UserUpdate(),
        UserUpdate(name="Nobody"),
        UserUpdate(
            password=SecretStr("a brand new passphrase"),
            current_password=SecretStr(PASSWORD),
        ),
    ],
    ids=["nothing", "name", "password"],
)
async def test_updating_an_account_that_is_gone_is_a_not_found(
    session: AsyncSession, settings: Settings, change: UserUpdate
) -> None:
    """The account went between the token check and the update."""
    async with running(create_app(settings)) as served:
        service = _users_service(session, served)

        with pytest.raises(NotFoundError) as gone:
            await service.update(999_999_999, change, client="test")

    # The message the 404's body carries, whichever read found no row.
    assert gone.value.message == "User not found"


async def test_a_new_password_without_the_current_one_is_refused_by_the_service_too(
    session: AsyncSession, settings: Settings, alice: dict[str, Any]
) -> None:
    """The schema requires the current password with a new one; a caller
    that skips the schema (a script, a later route) is refused all the same."""
    unchecked = UserUpdate.model_construct(
        password=SecretStr("a brand new passphrase"), current_password=None
    )
    async with running(create_app(settings)) as served:
        service = _users_service(session, served)

        with pytest.raises(ForbiddenError) as refused:
            await service.update(alice["id"], unchecked, client="test")

    assert refused.value.message == "The current password is incorrect"

    stored = await session.get_one(User, alice["id"])
    assert stored.token_version == 0  # nothing changed


@pytest.mark.parametrize(
    "payload",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"password": "too short", "current_password": PASSWORD},
        {"password": PASSWORD * 5, "current_password": PASSWORD},
        {"password": "a brand new passphrase", "current_password": ""},
        {"email": "new@example.com"},
        {"name": 7},
    ],
)
async def test_invalid_updates_are_a_422_and_change_nothing(
    client: AsyncClient,
    alice: dict[str, Any],
    session: AsyncSession,
    payload: dict[str, Any],
) -> None:
    response = await client.patch("/users/me", headers=alice["headers"], json=payload)

    assert_error(response, 422, "validation_error")
    assert (await session.get_one(User, alice["id"])).name == alice["name"]


async def test_updating_me_requires_a_token(client: AsyncClient) -> None:
    response = await client.patch("/users/me", json={"name": "Nobody"})

    assert_error(response, 401, "unauthorized")


async def test_your_own_account_can_be_read_by_id(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"


# --8<-- [start:no-enumeration]
async def test_another_users_account_is_a_404_like_a_missing_one(
    client: AsyncClient, alice: dict[str, Any], bob: dict[str, Any]
) -> None:
    others = await client.get(f"/users/{bob['id']}", headers=alice["headers"])
    missing = await client.get("/users/999999999", headers=alice["headers"])

    assert_error(others, 404, "not_found")
    assert others.json() == missing.json()
    assert "bob@example.com" not in others.text


async def test_there_is_no_endpoint_that_lists_users(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.get("/users", headers=alice["headers"])

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    # --8<-- [end:no-enumeration]


@pytest.mark.parametrize(
    ("user_id", "status", "code"),
    [
        ("999999999", 404, "not_found"),
        ("0", 422, "validation_error"),
        ("-1", 422, "validation_error"),
        ("abc", 422, "validation_error"),
        (str(2**63), 422, "validation_error"),
        ("1%27%20OR%201=1", 422, "validation_error"),
    ],
)
async def test_reading_a_user_by_a_bad_or_unknown_id_is_a_4xx(
    client: AsyncClient, alice: dict[str, Any], user_id: str, status: int, code: str
) -> None:
    response = await client.get(f"/users/{user_id}", headers=alice["headers"])

    assert_error(response, status, code)


async def test_reading_a_user_requires_a_token(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.get(f"/users/{alice['id']}")

    assert_error(response, 401, "unauthorized")


# --- password changes against a database of their own ---------------------------


@pytest.fixture
async def own_engine(
    create_database: DatabaseFactory, settings: Settings
) -> AsyncIterator[AsyncEngine]:
    """An engine on a migrated database of the test's own: commits are real."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    engine = create_engine(on_database(settings, url))
    yield engine
    await engine.dispose()


async def _add_user(engine: AsyncEngine, email: str) -> int:
    async with create_session_factory(engine)() as session:
        user = User(
            email=email,
            name="Ada",
            password_hash=security._password_hash.hash(PASSWORD),
        )
        session.add(user)
        await session.commit()
        return user.id


async def _locks_awaited(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return int(waiting or 0)


async def _until_held(at_commit: asyncio.Event, engine: AsyncEngine) -> None:
    """Return once the change is at its commit or waiting for a row lock
    (polled: a lock wait shows only in pg_stat_activity)."""
    while not at_commit.is_set():
        if await _locks_awaited(engine):
            return
        await asyncio.sleep(0.02)


async def test_two_password_changes_that_race_both_bump_the_token_version(
    own_engine: AsyncEngine, settings: Settings
) -> None:
    """Each change holds its commit until the other has done all it can.

    With the version bumped in Python, both read version 0 and both write 1:
    a token issued after the first change survives the second. Bumped in
    SQL, the second UPDATE waits for the first one's row lock, then adds 1.
    """
    user_id = await _add_user(own_engine, "ada@example.com")
    sessions = create_session_factory(own_engine)
    released = {"first": asyncio.Event(), "second": asyncio.Event()}
    at_commit = {"first": asyncio.Event(), "second": asyncio.Event()}

    async def change(name: str, new_password: str) -> None:
        class HeldCommitSession(AsyncSession):
            async def commit(self) -> None:
                at_commit[name].set()
                await released[name].wait()
                await super().commit()

        async with HeldCommitSession(own_engine, expire_on_commit=False) as session:
            service = _users_service(session, served)
            data = UserUpdate(
                password=SecretStr(new_password), current_password=SecretStr(PASSWORD)
            )
            await service.update(user_id, data, client="203.0.113.7")

    async with running(create_app(settings)) as served, asyncio.timeout(30):
        first = asyncio.create_task(change("first", "first new passphrase"))
        await at_commit["first"].wait()
        second = asyncio.create_task(change("second", "second new passphrase"))
        # The second change gets as far as it can: to its own commit
        # (read-modify-write) or to the first one's row lock (SQL).
        await _until_held(at_commit["second"], own_engine)
        released["first"].set()
        released["second"].set()
        await asyncio.gather(first, second)

    async with sessions() as session:
        assert (
            await session.scalar(select(User.token_version).where(User.id == user_id))
            == 2
        )


async def test_authenticating_a_request_commits_nothing(
    own_engine: AsyncEngine, settings: Settings
) -> None:
    """The token check reads and ends its transaction without a COMMIT."""
    await _add_user(own_engine, "ada@example.com")
    url = own_engine.url.render_as_string(hide_password=False)
    app = create_app(on_database(settings, url))
    ends: list[str] = []
    async with (
        running(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://t") as c,
    ):
        engine = served.state["engine"].sync_engine
        sign_in = {"username": "ada@example.com", "password": PASSWORD}
        token = (await c.post("/auth/token", data=sign_in)).json()["access_token"]
        event.listen(engine, "commit", lambda _conn: ends.append("commit"))
        event.listen(engine, "rollback", lambda _conn: ends.append("rollback"))
        me = await c.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        pool = served.state["engine"].pool
        assert isinstance(pool, QueuePool), pool
        checked_out = pool.checkedout()

    assert me.status_code == 200
    assert ends == ["rollback"]
    assert checked_out == 0
