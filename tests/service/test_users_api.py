"""Specification of the users endpoints: registration, sign-in, profiles."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from httpx import AsyncClient
from pydantic import SecretStr
from shop_fixtures import PASSWORD, UserFactory, assert_error, count_rows
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.users.models import User
from shop.users.repository import UserRepository
from shop.users.security import create_access_token, verify_password

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
    assert verify_password(PASSWORD, stored.password_hash)
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


async def test_a_registration_that_loses_a_race_is_a_409_not_a_500(
    client: AsyncClient,
    register: UserFactory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await register(email="race@example.com")

    # Simulate the other request committing between our check and our insert:
    # the check sees nothing, the unique index rejects the insert.
    async def nobody_has_this_email(*_: Any) -> None:
        return None

    monkeypatch.setattr(UserRepository, "get_by_email", nobody_has_this_email)
    response = await client.post(
        "/users",
        json={"email": "race@example.com", "name": "Racer", "password": PASSWORD},
    )

    assert_error(response, 409, "conflict")
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
    ],
    ids=["wrong-password", "unknown-email"],
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
        "iat": now,
        "exp": now + timedelta(minutes=5),
    } | overrides
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _signed(
    settings: Settings, claims: dict[str, Any], algorithm: str = "HS256"
) -> str:
    key = settings.jwt_secret.get_secret_value()
    # HS512 wants a key at least as long as its 512-bit digest.
    return jwt.encode(
        claims, key * 2 if algorithm == "HS512" else key, algorithm=algorithm
    )


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
            secret=SecretStr("not-the-server-key-" * 3),
            lifetime=timedelta(minutes=5),
        )
    ),
    "alg-none": lambda _s, id_: (
        "Bearer "
        + jwt.encode({"sub": str(id_), "iat": 0, "exp": 2**40}, None, algorithm="none")
    ),
    "alg-HS512": lambda s, id_: (
        "Bearer "
        + _signed(s, {"sub": str(id_), "iat": 0, "exp": 2**40}, algorithm="HS512")
    ),
    "no-expiry": lambda s, id_: "Bearer " + _signed(s, {"sub": str(id_), "iat": 0}),
    "non-numeric-subject": lambda s, _id: "Bearer " + _token(s, 0, sub="admin"),
    "user-does-not-exist": lambda s, _id: "Bearer " + _token(s, 999_999_999),
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


async def test_an_empty_update_changes_nothing(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    response = await client.patch("/users/me", headers=alice["headers"], json={})

    assert response.status_code == 200
    assert response.json()["name"] == alice["name"]


# --8<-- [start:password-change-flow]
async def test_after_changing_the_password_only_the_new_one_signs_in(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    new_password = "a brand new passphrase"  # noqa: S105  # a test user's password
    response = await client.patch(
        "/users/me", headers=alice["headers"], json={"password": new_password}
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
    "payload",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"password": "too short"},
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


async def test_any_user_can_be_read_by_id_when_signed_in(
    client: AsyncClient, alice: dict[str, Any], bob: dict[str, Any]
) -> None:
    response = await client.get(f"/users/{bob['id']}", headers=alice["headers"])

    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.com"


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


# --- listing ---------------------------------------------------------------------


async def test_users_are_listed_in_pages_that_chain_through_next_cursor(
    client: AsyncClient, alice: dict[str, Any], register: UserFactory
) -> None:
    for number in range(4):
        await register(email=f"listed-{number}@example.com")

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/users", headers=alice["headers"], params=params)
        assert response.status_code == 200
        page = response.json()
        seen += [user["email"] for user in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == ["alice@example.com"] + [f"listed-{n}@example.com" for n in range(4)]


async def test_listing_users_requires_a_token(client: AsyncClient) -> None:
    response = await client.get("/users")

    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": ""},
        {"cursor": "eyJ2IjogMSwgImFmdGVyIjogLTF9"},
    ],
)
async def test_a_bad_limit_or_cursor_is_a_422(
    client: AsyncClient, alice: dict[str, Any], params: dict[str, Any]
) -> None:
    response = await client.get("/users", headers=alice["headers"], params=params)

    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] in {"query.limit", "query.cursor"}
