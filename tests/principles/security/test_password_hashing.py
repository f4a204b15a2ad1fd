"""Evidence for SEC-PASSWORDS: sign-in answers the same for an unknown email
and a wrong password, as the page says, through the real API and database."""

import functools
import statistics
import time

import pytest
from claims_support import prose
from httpx import AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from shop_fixtures import UserFactory

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from shop.users import security
from shop.users.security import PasswordHasher

PAGE = DOCS_DIR / "principles" / "security" / "password-hashing.md"


async def test_unknown_email_and_wrong_password_get_the_same_401(
    client: AsyncClient, register: UserFactory
) -> None:
    await register(email="ada@example.com")

    wrong_password = await client.post(
        "/auth/token",
        data={"username": "ada@example.com", "password": "not her password"},
    )
    unknown_email = await client.post(
        "/auth/token",
        data={"username": "nobody@example.com", "password": "not her password"},
    )

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert "Incorrect email or password" in wrong_password.text
    assert '"Incorrect email or password", for an unknown email' in prose(PAGE)


def test_the_services_hashes_use_the_default_cost_in_one_lane() -> None:
    # The tests run with a cheap hasher (shop_fixtures); build the service's
    # from the line that defines it.
    source = (REPO_ROOT / "snippets" / "shop" / "users" / "security.py").read_text()
    definition = "_password_hash = PasswordHash((Argon2Hasher(parallelism=1),))"
    assert definition in source
    service_hash = PasswordHash((Argon2Hasher(parallelism=1),))

    stored = service_hash.hash("correct horse battery staple")

    assert stored.rsplit("$", 2)[0] == "$argon2id$v=19$m=65536,t=3,p=1"
    assert "the service's hashes read `m=65536,t=3,p=1`" in prose(PAGE)


# --8<-- [start:decoy-timing]
SIGN_INS_PER_CASE = 7


async def _sign_in_seconds(client: AsyncClient, email: str) -> float:
    started = time.perf_counter()
    response = await client.post(
        "/auth/token", data={"username": email, "password": "not her password"}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 401
    return elapsed


async def _median_sign_in_seconds(client: AsyncClient, *emails: str) -> list[float]:
    """The median sign-in time of each email. The emails take turns, so any
    other load on the machine falls on all of them alike."""
    durations: dict[str, list[float]] = {email: [] for email in emails}
    for _ in range(SIGN_INS_PER_CASE):
        for email in emails:
            durations[email].append(await _sign_in_seconds(client, email))
    return [statistics.median(durations[email]) for email in emails]


async def test_the_decoy_check_hides_which_emails_exist_from_the_clock(
    client: AsyncClient, register: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The production cost, not the tests' cheap one: the gap is the hash.
    monkeypatch.setattr(security, "_password_hash", PRODUCTION_HASH)
    monkeypatch.setattr(security, "_decoy_hash", functools.cache(_production_decoy))
    await register(email="ada@example.com")
    registered, unregistered = "ada@example.com", "nobody@example.com"

    known, unknown = await _median_sign_in_seconds(client, registered, unregistered)
    with monkeypatch.context() as patch:
        patch.setattr(PasswordHasher, "verify_against_decoy", _no_decoy)
        known_again, unknown_without_decoy = await _median_sign_in_seconds(
            client, registered, unregistered
        )

    # Ratios of medians measured side by side, not absolute times: with the
    # decoy an unknown email costs what a wrong password costs; without it,
    # a small fraction, which is what a timing attack measures.
    assert 0.5 < unknown / known < 2
    assert unknown_without_decoy / known_again < 0.2
    # --8<-- [end:decoy-timing]


PRODUCTION_HASH = PasswordHash((Argon2Hasher(parallelism=1),))


def _production_decoy() -> str:
    return PRODUCTION_HASH.hash("decoy password for unknown accounts")


async def _no_decoy(_self: PasswordHasher, _password: str) -> None:
    return None
