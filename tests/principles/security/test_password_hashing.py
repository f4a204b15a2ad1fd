"""Evidence for SEC-PASSWORDS: sign-in answers the same for an unknown email
and a wrong password, as the page says, through the real API and database."""

import asyncio
import os
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import bcrypt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.base import HasherProtocol
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.shared.exceptions import ServiceBusyError
from shop.users import security
from shop.users.models import User
from shop.users.security import BeforeHashing, PasswordHasher
from tests.support.modules import module_from_file
from tests.support.pages import prose
from tests.support.shop_fixtures import PASSWORD, UserFactory, build_app, client_for

PAGE = DOCS_DIR / "principles" / "security" / "password-hashing.md"
SECURITY = REPO_ROOT / "snippets" / "shop" / "users" / "security.py"


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


def _the_services_own_hash() -> PasswordHash:
    """The hash ``shop.users.security`` defines, from a fresh run of its file.

    The tests run with a cheap hash patched over it (shop_fixtures); a
    module of its own reads the definition as shipped, whatever its spelling.
    """
    module = module_from_file("security_as_shipped", SECURITY)
    shipped: PasswordHash = module._password_hash
    return shipped


def test_the_services_hashes_use_the_default_cost_in_one_lane() -> None:
    stored = _the_services_own_hash().hash("correct horse battery staple")

    assert stored.rsplit("$", 2)[0] == "$argon2id$v=19$m=65536,t=3,p=1"
    assert "the service's hashes read `m=65536,t=3,p=1`" in prose(PAGE)


class _HeldHash:
    """A hash that blocks its thread at a gate, counting how many are inside;
    ``filled`` is set once ``expected`` of them are."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.inside = 0
        self.lock = threading.Lock()
        self.loop = asyncio.get_running_loop()
        self.filled = asyncio.Event()
        self.gate = threading.Event()

    def hash(self, password: str) -> str:
        with self.lock:
            self.inside += 1
            if self.inside == self.expected:
                self.loop.call_soon_threadsafe(self.filled.set)
        self.gate.wait(timeout=30)
        return f"hashed {password}"


async def test_bare_worker_threads_hash_on_every_core_at_once_and_queue_the_rest() -> (
    None
):
    """What the PasswordHasher docstring says of ``asyncio.to_thread`` alone:
    the default executor's min(32, cores + 4) threads, more than the cores,
    all hash at once, and every request beyond them waits, none refused."""
    cores = len(os.sched_getaffinity(0))  # os.process_cpu_count() on Linux
    threads = min(32, cores + 4)  # ThreadPoolExecutor's default size
    held = _HeldHash(expected=threads)
    burst = threads + 5
    hashes = asyncio.gather(
        *(asyncio.to_thread(held.hash, f"pw-{n}") for n in range(burst))
    )
    async with asyncio.timeout(30):  # the loop stays free meanwhile
        await held.filled.wait()
    await asyncio.sleep(0.2)  # time for one more to start, if one could
    inside = held.inside
    held.gate.set()

    assert threads > cores
    assert inside == threads  # the other five queued behind them
    assert len(await hashes) == burst  # and each was hashed in the end


class _CountingHash:
    """The service's hash, recording each call and whether it ran on the loop."""

    def __init__(self, real: PasswordHash) -> None:
        self.real = real
        self.calls: list[tuple[str, bool]] = []
        self.loop_thread = threading.get_ident()

    def hash(self, password: str) -> str:
        self.calls.append(("hash", threading.get_ident() == self.loop_thread))
        return self.real.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        self.calls.append(("verify", threading.get_ident() == self.loop_thread))
        return self.real.verify(password, password_hash)


# --8<-- [start:decoy-count]
async def test_an_unknown_email_costs_one_verification_like_a_known_one(
    settings: Settings, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = _CountingHash(security._password_hash)
    monkeypatch.setattr(security, "_password_hash", counting)
    app = build_app(settings, session)
    assert counting.calls == []  # building the app makes nothing
    async with client_for(app) as client:
        # The decoy is made once, at start-up: before any request.
        assert counting.calls == [("hash", True)]
        account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
        assert (await client.post("/users", json=account)).status_code == 201
        counting.calls.clear()
        for email in ["nobody@example.com", "ada@example.com"] * 2:
            wrong = {"username": email, "password": "not her password"}
            assert (await client.post("/auth/token", data=wrong)).status_code == 401

    # One verification per sign-in, each in a worker thread; no hash at all.
    assert counting.calls == [("verify", False)] * 4
    # --8<-- [end:decoy-count]


# The tests' cheap cost (shop_fixtures), raised: hashes made before are outdated.
RAISED_COST = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1),))


async def test_a_sign_in_upgrades_an_outdated_hash_and_keeps_the_token(
    client: AsyncClient,
    alice: dict[str, Any],
    login: Callable[[str], Awaitable[dict[str, str]]],
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registered_hash, registered_version = await _stored(session, alice["id"])
    # The service raises its cost after Alice registered: her hash is weaker.
    monkeypatch.setattr(security, "_password_hash", RAISED_COST)

    await login(alice["email"])
    upgraded_hash, upgraded_version = await _stored(session, alice["id"])

    assert registered_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert upgraded_hash.startswith("$argon2id$v=19$m=16,t=2,p=1$")
    assert RAISED_COST.verify(PASSWORD, upgraded_hash)
    # The same password: no token revoked, her old one still works.
    assert upgraded_version == registered_version
    me = await client.get("/users/me", headers=alice["headers"])
    assert me.status_code == 200
    # Signing in again works, and finds nothing left to upgrade.
    await login(alice["email"])
    assert await _stored(session, alice["id"]) == (upgraded_hash, upgraded_version)


@pytest.fixture
def argon2id(monkeypatch: pytest.MonkeyPatch) -> HasherProtocol:
    """The service's Argon2id hasher, now followed by bcrypt for accounts
    from an older system, as the page shows."""
    current = security._password_hash.current_hasher
    both = PasswordHash((current, TruncatingBcryptHasher(rounds=4)))
    monkeypatch.setattr(security, "_password_hash", both)
    return current


async def test_a_bcrypt_hash_becomes_argon2id_at_the_next_sign_in(
    alice: dict[str, Any],
    login: Callable[[str], Awaitable[dict[str, str]]],
    session: AsyncSession,
    argon2id: HasherProtocol,
) -> None:
    await session.execute(
        update(User)
        .where(User.id == alice["id"])
        .values(password_hash=BcryptHasher(rounds=4).hash(PASSWORD))
    )

    await login(alice["email"])

    stored, _ = await _stored(session, alice["id"])
    assert stored.startswith("$argon2id$")
    assert argon2id.verify(PASSWORD, stored)


# bcrypt hashes at most 72 bytes: OpenBSD's original, and the bcrypt package
# before 5.0, ignored the rest without a word, so an old hash is of a long
# password's first 72 bytes. bcrypt 5 raises ValueError for a longer password
# instead, when checking as when hashing, and a sign-in with one would be a
# 500. Cut as the old system cut, the password the user types matches; the
# Argon2id hash that replaces the old one is then of all of it.
BCRYPT_MAX_BYTES = 72


# --8<-- [start:truncating-bcrypt]
class TruncatingBcryptHasher(BcryptHasher):
    """Checks what an old bcrypt system hashed: the first 72 bytes."""

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        typed = password.encode() if isinstance(password, str) else password
        return super().verify(typed[:BCRYPT_MAX_BYTES], hash)
        # --8<-- [end:truncating-bcrypt]


# 100 bytes, more than bcrypt reads and fewer than the form's 128 characters.
LONG_PASSWORD = (
    "correct horse battery staple, " * 3 + "and so on."  # pragma: allowlist secret
)
WRONG_LONG_PASSWORD = LONG_PASSWORD.capitalize()  # wrong in the first byte


async def test_a_long_password_signs_in_against_its_old_bcrypt_hash_and_upgrades_it(
    client: AsyncClient,
    alice: dict[str, Any],
    session: AsyncSession,
    argon2id: HasherProtocol,
) -> None:
    # The old system, as bcrypt before 5.0 did: a hash of the first 72 bytes.
    first_72 = LONG_PASSWORD.encode()[:BCRYPT_MAX_BYTES]
    old_hash = bcrypt.hashpw(first_72, bcrypt.gensalt(4)).decode()
    await session.execute(
        update(User).where(User.id == alice["id"]).values(password_hash=old_hash)
    )

    async def sign_in(password: str) -> int:
        form = {"username": alice["email"], "password": password}
        return (await client.post("/auth/token", data=form)).status_code

    assert len(LONG_PASSWORD.encode()) == len(WRONG_LONG_PASSWORD.encode()) == 100
    assert await sign_in(WRONG_LONG_PASSWORD) == 401
    assert (await _stored(session, alice["id"]))[0] == old_hash
    assert await sign_in(LONG_PASSWORD) == 200

    upgraded, _ = await _stored(session, alice["id"])
    assert upgraded.startswith("$argon2id$")
    # Of the whole password: its first 72 bytes no longer sign in.
    assert argon2id.verify(LONG_PASSWORD, upgraded)
    assert not argon2id.verify(first_72.decode(), upgraded)
    assert await sign_in(LONG_PASSWORD) == 200


async def test_a_password_change_during_a_sign_in_is_not_undone_by_its_rehash(
    alice: dict[str, Any],
    login: Callable[[str], Awaitable[dict[str, str]]],
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(security, "_password_hash", RAISED_COST)
    changed = RAISED_COST.hash("a brand new passphrase")
    upgraded_hash = PasswordHasher.upgraded_hash

    async def changed_meanwhile(
        hasher: PasswordHasher, password: str, password_hash: str
    ) -> str | None:
        new_hash = await upgraded_hash(hasher, password, password_hash)
        # Another request commits a new password while this one hashes.
        await session.execute(
            update(User)
            .where(User.id == alice["id"])
            .values(password_hash=changed, token_version=User.token_version + 1)
        )
        return new_hash

    monkeypatch.setattr(PasswordHasher, "upgraded_hash", changed_meanwhile)
    await login(alice["email"])

    # The rehash of the old password would bring it back; the change stands.
    assert (await _stored(session, alice["id"]))[0] == changed


async def test_a_sign_in_with_no_slot_for_the_upgrade_still_signs_in(
    alice: dict[str, Any],
    login: Callable[[str], Awaitable[dict[str, str]]],
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registered = await _stored(session, alice["id"])
    monkeypatch.setattr(security, "_password_hash", RAISED_COST)

    async def busy(_hasher: PasswordHasher, _password: str) -> str:
        raise ServiceBusyError("Too many password checks", retry_after_seconds=1)

    monkeypatch.setattr(PasswordHasher, "hash", busy)
    await login(alice["email"])  # a 200: the password was right

    # The upgrade waits for a sign-in that finds a slot free.
    assert await _stored(session, alice["id"]) == registered


async def _stored(session: AsyncSession, user_id: int) -> tuple[str, int]:
    """The user's password hash and token version, as the database has them now."""
    user = await session.get_one(User, user_id, populate_existing=True)
    return user.password_hash, user.token_version


SIGN_INS_PER_CASE = 9


async def _unknown_over_known(client: AsyncClient) -> float:
    """Median sign-in cost of an unknown email over a registered one's, the
    two taking turns."""
    durations: dict[str, list[float]] = {"known": [], "unknown": []}
    for _ in range(SIGN_INS_PER_CASE):
        durations["known"].append(await _sign_in_cost(client, "ada@example.com"))
        durations["unknown"].append(await _sign_in_cost(client, "nobody@example.com"))
    return statistics.median(durations["unknown"]) / statistics.median(
        durations["known"]
    )


# --8<-- [start:decoy-timing]
# Medians of alternating runs must agree within this factor: a 1.9x leak
# (tested below) is far outside it.
SAME_COST = 1.3


async def _sign_in_cost(client: AsyncClient, email: str) -> float:
    """CPU seconds one failed sign-in costs the service: its event loop's and
    its hashing thread's. Unlike the clock, it does not count other
    processes' load."""
    started = time.process_time()  # every thread of this process
    response = await client.post(
        "/auth/token", data={"username": email, "password": "not her password"}
    )
    spent = time.process_time() - started
    assert response.status_code == 401
    return spent


def _looks_the_same(ratio: float) -> bool:
    return 1 / SAME_COST < ratio < SAME_COST


async def test_the_decoy_check_hides_which_emails_exist_from_the_clock(
    production_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with client_for(production_app) as client:
        with_decoy = await _unknown_over_known(client)
        with monkeypatch.context() as patch:
            patch.setattr(PasswordHasher, "verify_against_decoy", _no_decoy)
            without_decoy = await _unknown_over_known(client)

    # Ratios of medians measured side by side, not absolute costs: with the
    # decoy an unknown email costs what a wrong password costs; without it,
    # a small fraction, which is what a timing attack measures.
    assert _looks_the_same(with_decoy), f"unknown/known = {with_decoy:.2f}"
    assert without_decoy < 0.2
    # --8<-- [end:decoy-timing]


async def test_the_timing_check_catches_a_leak_of_1_9x(
    production_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoy that costs 1.9 verifications instead of one fails the check:
    after each decoy verification, 0.9 of the CPU time it took, spent again."""

    async def decoy_and_then_some(
        self: PasswordHasher, password: str, *, before: BeforeHashing
    ) -> None:
        started = time.process_time()
        await original(self, password, before=before)
        until = time.process_time() + 0.9 * (time.process_time() - started)
        while time.process_time() < until:
            pass

    original = PasswordHasher.verify_against_decoy
    monkeypatch.setattr(PasswordHasher, "verify_against_decoy", decoy_and_then_some)
    async with client_for(production_app) as client:
        leaking = await _unknown_over_known(client)

    assert not _looks_the_same(leaking), f"unknown/known = {leaking:.2f}"
    assert f"within a factor of {SAME_COST}" in prose(PAGE)


class _TimedHash:
    """The service's hash, recording each verification's parameters (the
    hash up to its salt) and the CPU time its worker thread spent on it.

    A thread's CPU time leaves out every other thread and process: the
    comparison holds on a loaded machine where a clock would not.
    """

    def __init__(self, real: PasswordHash) -> None:
        self.real = real
        self.current_hasher = real.current_hasher  # for upgraded_hash
        self.verified: list[tuple[str, float]] = []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        started = time.thread_time()
        matches = self.real.verify(password, password_hash)
        spent = time.thread_time() - started
        self.verified.append((password_hash.rsplit("$", 2)[0], spent))
        return matches


# OWASP's minimum for Argon2id, 19 MiB and two passes: a cost a service may
# have started with before raising it to argon2-cffi's default.
OLDER_COST = PasswordHash(
    (Argon2Hasher(memory_cost=19_456, time_cost=2, parallelism=1),)
)


async def test_an_account_with_an_older_cost_is_told_apart_until_it_signs_in(
    production_app: FastAPI, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verification costs what its hash says; the decoy's says today's cost.
    A wrong password for an account whose hash is older costs less than one
    for an unknown email, until a right one upgrades the hash."""
    await session.execute(
        update(User)
        .where(User.email == "ada@example.com")
        .values(password_hash=OLDER_COST.hash(PASSWORD))
    )
    timed = _TimedHash(PRODUCTION_HASH)
    monkeypatch.setattr(security, "_password_hash", timed)
    async with client_for(production_app) as client:
        for _ in range(SIGN_INS_PER_CASE):
            for email in ["ada@example.com", "nobody@example.com"]:
                wrong = {"username": email, "password": "not her password"}
                assert (await client.post("/auth/token", data=wrong)).status_code == 401
        right = {"username": "ada@example.com", "password": PASSWORD}
        assert (await client.post("/auth/token", data=right)).status_code == 200
    stored, _ = await _stored_by_email(session, "ada@example.com")

    today = "$argon2id$v=19$m=65536,t=3,p=1"
    older = "$argon2id$v=19$m=19456,t=2,p=1"
    # Ada's wrong passwords and the unknown email's took turns; then her right one.
    ada = statistics.median(spent for _, spent in timed.verified[:-1:2])
    decoy = statistics.median(spent for _, spent in timed.verified[1::2])
    assert ada / decoy < 0.6, f"older cost / decoy = {ada / decoy:.2f}"
    assert [params for params, _ in timed.verified] == [older, today] * (
        SIGN_INS_PER_CASE
    ) + [older]
    # Her sign-in remade the hash with today's cost: from now on, like the decoy.
    assert stored.rsplit("$", 2)[0] == today
    assert "until its owner next signs in and the hash is upgraded" in prose(PAGE)


async def _stored_by_email(session: AsyncSession, email: str) -> tuple[str, int]:
    user = (
        await session.execute(
            select(User)
            .where(User.email == email)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return user.password_hash, user.token_version


PRODUCTION_HASH = PasswordHash((Argon2Hasher(parallelism=1),))


@pytest.fixture
async def production_app(
    settings: Settings,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> FastAPI:
    """The app with the production Argon2 cost (the tests' is cheap), and Ada."""
    monkeypatch.setattr(security, "_password_hash", PRODUCTION_HASH)
    app = build_app(
        # Alternating sign-ins fail on purpose: the limits are not measured here.
        settings.model_copy(
            update={
                "sign_in_failures_per_account": 100,
                "throttle_window_seconds": 3600,
                "sign_in_failures_per_client": 1000,
            }
        ),
        session,
    )
    async with client_for(app) as client:
        account = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
        assert (await client.post("/users", json=account)).status_code == 201
    return app


async def _no_decoy(
    _self: PasswordHasher, _password: str, *, before: BeforeHashing
) -> None:
    await before()  # the attempt is counted as before; only the check is gone


def test_the_source_says_nothing_on_storing_passwords_so_nothing_is_contradicted() -> (
    None
):
    source = (DOCS_DIR / "_data" / "source-document.md").read_text(encoding="utf-8")
    storage_words = ("hash", "argon", "bcrypt", "salt", "plain text", "encrypt")
    said = [
        line
        for line in source.lower().splitlines()
        if any(word in line for word in storage_words)
    ]

    assert said == []
    # A contradiction would be a verdict with a correction, linked from here.
    assert "corrections.md" not in PAGE.read_text(encoding="utf-8")
    assert "Nothing in the source is\ncontradicted." in PAGE.read_text(encoding="utf-8")
