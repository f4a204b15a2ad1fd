"""Evidence for SEC-BRUTE-FORCE: failed sign-ins are limited per account and per
client in a store every worker shares, registrations per client, and the
password-hashing queue has a bounded wait.

Each test reproduces a claim docs/principles/security/brute-force-protection.md
makes, through the real API on the real database, and the real Redis where
the page says Redis.
"""

import asyncio
import contextlib
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from limits.aio.storage.redis.bridge import RedisBridge
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr, ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.results import citation_keys
from benchmarks.results import load as load_benchmarks
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.main import create_app
from shop.shared.exceptions import OUTAGE_RETRY_AFTER_SECONDS, TooManyRequestsError
from shop.shared.rate_limit import SharedRateLimiter, limit_per_window
from shop.users import security
from shop.users.throttling import (
    PASSWORD_CHECK_WINDOW_SECONDS,
    SignInThrottle,
    client_group,
)
from tests.support.db_proxy import DatabaseProxy, database_proxy
from tests.support.logs import json_log_lines
from tests.support.pages import prose
from tests.support.server_process import answers, served
from tests.support.shop_fixtures import (
    MIGRATIONS_DIR,
    PASSWORD,
    DatabaseFactory,
    LifespanServed,
    UserFactory,
    assert_error,
    build_app,
    configured,
    lifespan_client,
    load_script,
    on_database,
    running,
)
from throwaway.ports import free_port
from throwaway.redis import RedisServer

PAGE = DOCS_DIR / "principles" / "security" / "brute-force-protection.md"
WRONG = "not the password"  # a wrong guess


def _limits(**overrides: Any) -> dict[str, Any]:
    return {"sign_in_failures_per_account": 3, "sign_in_failures_per_client": 5} | (
        overrides
    )


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def throttled_app(settings: Settings, session: AsyncSession) -> AppFactory:
    """The app on the test's session, with the limits given."""

    def build(**overrides: Any) -> FastAPI:
        return build_app(configured(settings, **overrides), session)

    return build


@asynccontextmanager
async def client_of(
    app: FastAPI | LifespanServed, address: str = "198.51.100.7"
) -> AsyncIterator[AsyncClient]:
    """An in-process client whose requests come from ``address``.

    Given a bare app, it runs the app's lifespan around the client; given
    one already running, several clients share its limits.
    """
    if isinstance(app, LifespanServed):
        transport = ASGITransport(app=app, client=(address, 50_000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
        return
    async with lifespan_client(app, client=(address, 50_000)) as client:
        yield client


async def sign_in(client: AsyncClient, email: str, password: str) -> Response:
    return await client.post(
        "/auth/token", data={"username": email, "password": password}
    )


async def register_through(client: AsyncClient, email: str = "ada@example.com") -> None:
    """Register an account, password PASSWORD, through ``client``'s own app."""
    account = {"email": email, "name": "Ada", "password": PASSWORD}
    assert (await client.post("/users", json=account)).status_code == 201


# --8<-- [start:lockout]
async def test_the_attempt_after_the_limit_is_a_429_even_with_the_right_password(
    throttled_app: AppFactory, register: UserFactory
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(sign_in_failures_per_account=10)
    async with client_of(app) as client:
        failures = [await sign_in(client, "ada@example.com", WRONG) for _ in range(10)]
        locked_out = await sign_in(client, "ada@example.com", WRONG)
        right_password = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in failures] == [401] * 10
    for refused in (locked_out, right_password):
        error = assert_error(refused, 429, "too_many_requests")
        assert error["message"] == "Too many failed sign-ins; try again later"
        assert 0 < int(refused.headers["retry-after"]) <= 900
    # --8<-- [end:lockout]


async def test_without_the_limit_every_guess_is_checked_and_the_right_one_signs_in(
    throttled_app: AppFactory, register: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the limit is for: with the throttle taken out, nothing refuses."""

    async def no_limit(*_: object) -> None:
        return None

    monkeypatch.setattr(SignInThrottle, "before_password_check", no_limit)
    monkeypatch.setattr(SignInThrottle, "count_attempt", no_limit)
    monkeypatch.setattr(SignInThrottle, "after_failure", no_limit)
    await register(email="ada@example.com")
    app = throttled_app(**_limits())  # 3 per account, 5 per client, unenforced
    async with client_of(app) as client:
        # Ten times the account limit the app was given.
        guesses = [await sign_in(client, "ada@example.com", WRONG) for _ in range(30)]
        right_one = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in guesses] == [401] * 30
    assert right_one.status_code == 200


async def test_wrong_current_passwords_count_against_the_account_like_sign_ins(
    throttled_app: AppFactory, register: UserFactory
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(**_limits())
    async with client_of(app) as client:
        token = (await sign_in(client, "ada@example.com", PASSWORD)).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}

        async def change(current: str) -> Response:
            body = {"password": "a brand new passphrase", "current_password": current}
            return await client.patch("/users/me", headers=auth, json=body)

        wrong = [await change(WRONG) for _ in range(3)]
        right = await change(PASSWORD)
        signing_in = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in wrong] == [403] * 3
    assert_error(right, 429, "too_many_requests")
    assert_error(signing_in, 429, "too_many_requests")
    assert "calls this on every password check, at" in prose(PAGE)


async def test_the_lockout_ends_when_the_window_has_passed(
    throttled_app: AppFactory, register: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(**_limits())
    async with client_of(app) as client:
        for _ in range(3):
            await sign_in(client, "ada@example.com", WRONG)
        assert (await sign_in(client, "ada@example.com", PASSWORD)).status_code == 429
        now = time.time()
        monkeypatch.setattr(time, "time", lambda: now + 901)
        later = await sign_in(client, "ada@example.com", PASSWORD)

    assert later.status_code == 200


async def test_one_failure_per_renewal_keeps_an_account_locked_and_the_address_pays(
    throttled_app: AppFactory, register: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window moves: once an account's oldest failure is a window old,
    one more failure locks it again. Keeping it locked costs the account's
    limit in failures per window, each counted against the attacker's
    address: with 3 per account and 9 per client, one address keeps three
    accounts locked for as long as it likes, and cannot lock a fourth."""
    victims = [f"victim-{n}@example.com" for n in range(4)]
    for email in victims:
        await register(email=email)
    app = throttled_app(sign_in_failures_per_account=3, sign_in_failures_per_client=9)
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(time, "time", lambda: clock["now"])

    async def at(seconds: float, client: AsyncClient, email: str, pw: str) -> Response:
        clock["now"] = start + seconds
        return await sign_in(client, email, pw)

    # Three failures on each of three accounts, 100 s apart (time, account)...
    locking = [(100.0 * k + n, n) for k in range(3) for n in range(3)]
    # ...then one more each time one of them is a window (900 s) old, twice over.
    renewals = [(t + 900.5 * w, n) for w in (1, 2) for t, n in locking]
    async with (
        running(app) as served,
        client_of(served) as attacker,
        client_of(served, address="203.0.113.9") as owner,
    ):
        locked = [
            (await at(t, attacker, victims[n], WRONG)).status_code for t, n in locking
        ]
        fourth_early = await at(300, attacker, victims[3], WRONG)
        renewed: list[int] = []
        refused: list[Response] = []
        for t, n in renewals:
            renewed.append((await at(t, attacker, victims[n], WRONG)).status_code)
            # The owner, with the right password, a quarter of a second later.
            refused.append(await at(t + 0.25, owner, victims[n], PASSWORD))
        fourth_late = await at(2400, attacker, victims[3], WRONG)
        fourths_owner = await at(2400.5, owner, victims[3], PASSWORD)
        # The renewals stop: the first account's oldest failure, at 1,801 s,
        # is a window old at 2,701 s.
        freed = await at(2701.5, owner, victims[0], PASSWORD)

    assert locked == [401] * 9
    # One failure renews a lock: each is checked, and the owner stays out.
    assert renewed == [401] * 18
    assert [response.status_code for response in refused] == [429] * 18
    # 27 failures over three windows, nine in each: the client's limit. The
    # address cannot lock a fourth account, whose owner signs in.
    for response in (fourth_early, fourth_late):
        error = assert_error(response, 429, "too_many_requests")
        assert error["message"] == "Too many failed sign-ins; try again later"
    assert fourths_owner.status_code == 200
    assert freed.status_code == 200
    defaults = Settings.model_fields
    held = (
        defaults["sign_in_failures_per_client"].default
        // defaults["sign_in_failures_per_account"].default
    )
    assert held == 10
    text = prose(PAGE)
    assert "account locked for as long as the attacker sends them" in text
    assert "accounts locked, ten with the defaults" in text


@pytest.mark.parametrize(
    ("limit", "emails"),
    [
        ("account", ["ada@example.com"] * 3),  # 3 failures per account
        ("client", [f"victim-{n}@example.com" for n in range(5)]),  # 5 per client
    ],
)
async def test_a_refusal_says_when_the_lockout_ends_and_the_log_which_limit_it_met(
    throttled_app: AppFactory,
    register: UserFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    limit: str,
    emails: list[str],
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(**_limits())  # both within 15 minutes
    clock = {"now": time.time()}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    async with client_of(app) as client:
        for email in emails:
            assert (await sign_in(client, email, WRONG)).status_code == 401
        clock["now"] += 300
        five_minutes_on = await sign_in(client, "ada@example.com", PASSWORD)
        clock["now"] += 599.5
        half_a_second_left = await sign_in(client, "ada@example.com", PASSWORD)

    # The lockout ends when the failures leave the 15-minute window; under
    # a second left is still a second, never "retry after 0".
    retry_after = [
        int(response.headers["retry-after"])
        for response in (five_minutes_on, half_a_second_left)
    ]
    assert retry_after == [600, 1]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    throttled = [line for line in lines if line["message"] == "sign-in throttled"]
    assert [(t["limit"], t["retry_after_seconds"]) for t in throttled] == [
        (limit, 600),
        (limit, 1),
    ]


async def test_an_unknown_email_is_limited_like_a_registered_one(
    throttled_app: AppFactory,
) -> None:
    app = throttled_app(**_limits())
    async with client_of(app) as client:
        answers = [
            (await sign_in(client, "nobody@example.com", WRONG)).status_code
            for _ in range(4)
        ]

    # The same answers as for a registered account: a 429 tells nobody
    # whether the address has an account.
    assert answers == [401, 401, 401, 429]


async def test_other_accounts_from_the_same_client_meet_the_client_limit(
    throttled_app: AppFactory,
    register: UserFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(**_limits())  # 3 per account, 5 per client
    capsys.readouterr()
    async with running(app) as served:
        async with client_of(served) as client:
            stuffing = [
                (await sign_in(client, f"victim-{n}@example.com", WRONG)).status_code
                for n in range(6)
            ]
            own_account = await sign_in(client, "ada@example.com", PASSWORD)
        async with client_of(served, address="203.0.113.9") as elsewhere:
            from_elsewhere = await sign_in(elsewhere, "ada@example.com", PASSWORD)

    # One failure per account, never the account limit: the client's is hit.
    assert stuffing == [401] * 5 + [429]
    assert own_account.status_code == 429
    assert from_elsewhere.status_code == 200
    # The operator sees which client met which limit.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    throttled = [line for line in lines if line["message"] == "sign-in throttled"]
    assert [(line["limit"], line["client"]) for line in throttled] == [
        ("client", "198.51.100.7"),
        ("client", "198.51.100.7"),
    ]


async def test_a_success_forgets_the_accounts_failures_but_not_the_clients(
    throttled_app: AppFactory, register: UserFactory
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(**_limits())  # 3 per account, 5 per client
    async with client_of(app) as client:
        answers = [
            (await sign_in(client, "ada@example.com", password)).status_code
            for password in [WRONG, WRONG, PASSWORD, WRONG, WRONG, PASSWORD]
        ]
        # Four failures so far: the attacker's own successes reset nothing.
        answers.append((await sign_in(client, "bob@example.com", WRONG)).status_code)
        answers.append((await sign_in(client, "ada@example.com", PASSWORD)).status_code)

    assert answers == [401, 401, 200, 401, 401, 200, 401, 429]


async def test_successful_sign_ins_past_the_clients_check_rate_are_a_429(
    throttled_app: AppFactory,
    register: UserFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(password_checks_per_client=3)  # in any 10 seconds
    clock = {"now": time.time()}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    async with running(app) as served, client_of(served) as client:
        signed_in = [
            await sign_in(client, "ada@example.com", PASSWORD) for _ in range(3)
        ]
        clock["now"] += 4
        refused = await sign_in(client, "ada@example.com", PASSWORD)
        async with client_of(served, address="203.0.113.9") as elsewhere:
            from_elsewhere = await sign_in(elsewhere, "ada@example.com", PASSWORD)
        clock["now"] += 7  # the 6 s Retry-After has passed
        later = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in signed_in] == [200] * 3
    error = assert_error(refused, 429, "too_many_requests")
    assert error["message"] == (
        "Too many password checks from this address; try again shortly"
    )
    # 4 s after the three checks: the first leaves the 10 s window in 6 s.
    assert refused.headers["retry-after"] == "6"
    assert from_elsewhere.status_code == 200  # another client's rate
    assert later.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    throttled = [line for line in lines if line["message"] == "sign-in throttled"]
    assert [
        (line["limit"], line["client"], line["retry_after_seconds"])
        for line in throttled
    ] == [("checks", "198.51.100.7", 6)]


@pytest.mark.parametrize(
    ("limit", "overrides"),
    [
        ("client", {"sign_in_failures_per_client": 2}),  # two wrong passwords
        ("checks", {"password_checks_per_client": 3}),  # a sign-in and two checks
    ],
)
async def test_a_password_change_refused_by_a_clients_limit_logs_the_user(
    throttled_app: AppFactory,
    register: UserFactory,
    capsys: pytest.CaptureFixture[str],
    limit: str,
    overrides: dict[str, int],
) -> None:
    """The row is read before a password change's check, so its refusal
    names the user, whichever limit refused it."""
    ada = await register(email="ada@example.com")
    app = throttled_app(**overrides)
    async with client_of(app) as client:
        token = (await sign_in(client, "ada@example.com", PASSWORD)).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        body = {"password": "a brand new passphrase", "current_password": WRONG}
        answers = [
            await client.patch("/users/me", headers=auth, json=body) for _ in range(3)
        ]

    assert [response.status_code for response in answers] == [403, 403, 429]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [
        (line["message"], line["user_id"], line["limit"])
        for line in lines
        if "throttled" in line["message"]
    ] == [("password change throttled", ada["id"], limit)]


async def test_sign_ins_refused_for_the_clients_check_rate_leave_the_account_alone(
    throttled_app: AppFactory, register: UserFactory
) -> None:
    """The account is counted after the client: an attacker past its rate
    adds nothing to the account's failures, and so cannot lock it sooner."""
    await register(email="ada@example.com")
    app = throttled_app(**_limits(), password_checks_per_client=2)  # 3 per account
    async with running(app) as served:
        async with client_of(served) as attacker:
            guesses = [
                (await sign_in(attacker, "ada@example.com", WRONG)).status_code
                for _ in range(6)
            ]
        async with client_of(served, address="203.0.113.9") as owner:
            ada = await sign_in(owner, "ada@example.com", PASSWORD)

    assert guesses == [401, 401] + [429] * 4
    assert ada.status_code == 200  # two failures of three: not locked out


async def test_the_check_rate_counts_an_ipv6_64_and_an_ipv4_mapped_address_as_one(
    throttled_app: AppFactory, register: UserFactory
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(password_checks_per_client=2)
    answers: dict[str, list[int]] = {}
    async with running(app) as served:
        for one_client in (
            ["2001:db8:1:2::1", "2001:db8:1:2:ffff::2", "2001:db8:1:2::3"],
            ["::ffff:192.0.2.40", "192.0.2.40", "::ffff:192.0.2.40"],
        ):
            for address in one_client:
                async with client_of(served, address=address) as client:
                    response = await sign_in(client, "ada@example.com", PASSWORD)
                answers.setdefault(one_client[0], []).append(response.status_code)

    assert answers == {
        "2001:db8:1:2::1": [200, 200, 429],
        "::ffff:192.0.2.40": [200, 200, 429],
    }


async def test_an_ipv6_client_is_limited_by_its_64(throttled_app: AppFactory) -> None:
    app = throttled_app(**_limits())
    answers: list[int] = []
    async with running(app) as served:
        for host in range(6):  # six addresses, one /64
            address = f"2001:db8:1:2::{host + 1:x}"
            async with client_of(served, address=address) as client:
                response = await sign_in(client, f"victim-{host}@example.com", WRONG)
                answers.append(response.status_code)

    assert answers == [401] * 5 + [429]
    assert client_group("2001:db8:1:2::1") == client_group("2001:db8:1:2:ffff::1")
    assert client_group("2001:db8:1:3::1") != client_group("2001:db8:1:2::1")
    assert client_group("203.0.113.9") == "203.0.113.9"
    assert client_group("testclient") == "testclient"


async def test_an_ipv4_client_seen_through_ipv6_is_still_that_ipv4_client(
    throttled_app: AppFactory,
) -> None:
    """A dual-stack socket or a proxy may report ``::ffff:203.0.113.9``."""
    app = throttled_app(**_limits())  # 5 failures per client
    answers: list[int] = []
    async with running(app) as served:
        for address in ["::ffff:203.0.113.9", "203.0.113.9"] * 3:
            async with client_of(served, address=address) as client:
                response = await sign_in(
                    client, f"victim-{len(answers)}@example.com", WRONG
                )
                answers.append(response.status_code)
        async with client_of(served, address="::ffff:203.0.113.10") as neighbour:
            other = await sign_in(neighbour, "victim-9@example.com", WRONG)

    # One client, whichever way its address is written; not one with every
    # other IPv4 client (grouped by /64, all of them would be ::/64).
    assert answers == [401] * 5 + [429]
    assert other.status_code == 401


async def test_registrations_are_limited_per_client(
    throttled_app: AppFactory,
) -> None:
    app = throttled_app(registrations_per_client=3)
    async with client_of(app) as client:
        answers = [
            await client.post(
                "/users",
                json={
                    "email": f"new-{n}@example.com",
                    "name": "N",
                    "password": PASSWORD,
                },
            )
            for n in range(4)
        ]

    assert [response.status_code for response in answers] == [201, 201, 201, 429]
    error = assert_error(answers[-1], 429, "too_many_requests")
    assert (
        error["message"] == "Too many registrations from this address; try again later"
    )
    assert 0 < int(answers[-1].headers["retry-after"]) <= 3600


async def test_a_refused_registration_says_when_to_retry_and_spares_other_clients(
    throttled_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = throttled_app(registrations_per_client=1)
    clock = {"now": time.time()}
    monkeypatch.setattr(time, "time", lambda: clock["now"])

    async with running(app) as served:  # one lifespan: one limiter for all

        async def register_from(address: str, email: str) -> Response:
            async with client_of(served, address) as client:
                account = {"email": email, "name": "N", "password": PASSWORD}
                return await client.post("/users", json=account)

        first = await register_from("198.51.100.7", "first@example.com")
        clock["now"] += 600
        again = await register_from("198.51.100.7", "again@example.com")
        elsewhere = await register_from("203.0.113.9", "elsewhere@example.com")

    assert [first.status_code, again.status_code] == [201, 429]
    # An hour from the first registration, not from the refusal.
    assert again.headers["retry-after"] == "3000"
    assert elsewhere.status_code == 201
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [throttled] = [
        line for line in lines if line["message"] == "registration throttled"
    ]
    assert (throttled["client"], throttled["retry_after_seconds"]) == (
        "198.51.100.7",
        3000,
    )


@pytest.fixture
async def own_database_url(create_database: DatabaseFactory) -> str:
    """A migrated database of the test's own, which its app commits to."""
    url = await create_database()
    await load_script("apply_migrations").apply_migrations(url, MIGRATIONS_DIR)
    return url


@pytest.fixture
def own_database_app(own_database_url: str, settings: Settings) -> AppFactory:
    """Apps on a migrated database of the test's own, each request in its own
    session (the real ``get_db``), so requests can run in parallel."""

    def build(**overrides: Any) -> FastAPI:
        return create_app(on_database(settings, own_database_url, **overrides))

    return build


def _each_waits_for_all_to_hold_a_slot(
    requests: int,
) -> Callable[[security.PasswordHasher], Awaitable[None]]:
    """A ``PasswordHasher._wait_for_a_slot`` that returns once ``requests``
    requests each hold a hashing slot: what they do next runs at once."""
    all_in_a_slot = asyncio.Barrier(requests)
    wait_for_a_slot = security.PasswordHasher._wait_for_a_slot

    async def together(hasher: security.PasswordHasher) -> None:
        await wait_for_a_slot(hasher)
        async with asyncio.timeout(30):
            await all_in_a_slot.wait()

    return together


@pytest.mark.parametrize("store", ["redis", "process memory"])
async def test_parallel_guesses_cannot_overshoot_the_account_limit(
    own_database_app: AppFactory,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    store: str,
) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    app = own_database_app(
        **_limits(sign_in_failures_per_client=100),
        redis_url=redis_url,
        # A slot for each guess: the account's count, not the queue in front
        # of the hasher, is what stops them.
        password_hash_concurrency=12,
    )
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"  # a count of its own
    # Every guess holds its slot before any is counted: the twelve counts
    # then run at once, whenever each guess's read of the user ended.
    together = _each_waits_for_all_to_hold_a_slot(12)

    async with client_of(app) as client:
        await register_through(client, email)
        monkeypatch.setattr(security.PasswordHasher, "_wait_for_a_slot", together)
        answers = await asyncio.gather(
            *(sign_in(client, email, WRONG) for _ in range(12))
        )

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [401] * 3 + [429] * 9
    # Refused at the count, each is logged like a refusal at the check.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [
        (line["limit"], line["client"])
        for line in lines
        if line["message"] == "sign-in throttled"
    ] == [("account", "198.51.100.7")] * 9


async def test_a_change_refused_at_its_count_says_when_to_retry_and_logs_whose(
    own_database_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A guess that passed the lockout check but lost the race for the
    account's last attempt is refused like one refused at the check: when
    the oldest failure leaves the window, and which account, user and
    client the log line is about."""
    app = own_database_app(
        **_limits(password_checks_per_client=100), password_hash_concurrency=3
    )
    clock = {"now": time.time()}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    together = _each_waits_for_all_to_hold_a_slot(3)

    async with client_of(app) as client:
        await register_through(client)
        token = (await sign_in(client, "ada@example.com", PASSWORD)).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        user_id = (await client.get("/users/me", headers=auth)).json()["id"]

        async def change() -> Response:
            body = {"password": "a brand new passphrase", "current_password": WRONG}
            return await client.patch("/users/me", headers=auth, json=body)

        early = [await change() for _ in range(2)]  # two of the account's three
        clock["now"] += 300
        # Three more at once, all past the lockout check: one is counted.
        monkeypatch.setattr(security.PasswordHasher, "_wait_for_a_slot", together)
        burst = await asyncio.gather(*(change() for _ in range(3)))

    assert [response.status_code for response in early] == [403] * 2
    assert sorted(response.status_code for response in burst) == [403, 429, 429]
    refused = [response for response in burst if response.status_code == 429]
    # The first failure, 300 s ago, leaves the 900 s window in 600 s.
    assert [response.headers["retry-after"] for response in refused] == ["600"] * 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    throttled = [
        {key: line.get(key) for key in ("user_id", "client", "limit")}
        for line in lines
        if line["message"] == "password change throttled"
    ]
    assert (
        throttled
        == [{"user_id": user_id, "client": "198.51.100.7", "limit": "account"}] * 2
    )


class _GatedHash:
    """A hash whose verifications wait at a gate the test opens, once
    ``expected`` of them have arrived there."""

    def __init__(self, real: PasswordHash, expected: int) -> None:
        self.real = real
        # What tells an outdated hash from a current one, as the real has it.
        self.current_hasher = real.current_hasher
        self.expected = expected
        self.arrived = 0
        self.lock = threading.Lock()
        self.loop = asyncio.get_running_loop()
        self.all_arrived = asyncio.Event()
        self.gate = threading.Event()

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        with self.lock:
            self.arrived += 1
            if self.arrived == self.expected:
                self.loop.call_soon_threadsafe(self.all_arrived.set)
        self.gate.wait(timeout=30)
        return self.real.verify(password, password_hash)


async def test_requests_in_flight_when_the_client_limit_is_reached_are_still_checked(
    own_database_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only failures count against a client, so its count grows after the
    check: a burst already past the check all gets its password checked."""
    gated = _GatedHash(security._password_hash, expected=4)
    monkeypatch.setattr(security, "_password_hash", gated)
    app = own_database_app(
        **_limits(sign_in_failures_per_client=2),
        password_hash_concurrency=4,
        password_hash_queue_timeout_seconds=30,
    )
    async with client_of(app) as client:
        burst = asyncio.gather(
            *(sign_in(client, f"victim-{n}@example.com", WRONG) for n in range(4))
        )
        async with asyncio.timeout(30):  # all four past the limit check, at the hash
            await gated.all_arrived.wait()
        gated.gate.set()
        answers = await burst
        after = await sign_in(client, "victim-9@example.com", WRONG)

    # Twice the client's limit of two got checked; the next one did not.
    assert [response.status_code for response in answers] == [401] * 4
    assert after.status_code == 429


# --8<-- [start:shared-store]
async def test_two_app_instances_on_one_redis_share_the_count(
    throttled_app: AppFactory, redis_url: str, register: UserFactory
) -> None:
    await register(email="ada@example.com")
    # Two workers: separate processes in production, separate apps here,
    # sharing nothing but Redis.
    first, second = (throttled_app(**_limits(), redis_url=redis_url) for _ in range(2))
    async with (
        client_of(first, "192.0.2.10") as one,
        client_of(second, "192.0.2.10") as two,
    ):
        answers = [
            (await sign_in(worker, "ada@example.com", WRONG)).status_code
            for worker in (one, two, one, two)
        ]

    assert answers == [401, 401, 401, 429]
    # --8<-- [end:shared-store]


async def test_without_redis_two_app_instances_count_apart(
    throttled_app: AppFactory, register: UserFactory
) -> None:
    await register(email="ada@example.com")
    first, second = (throttled_app(**_limits()) for _ in range(2))
    async with (
        client_of(first, "192.0.2.11") as one,
        client_of(second, "192.0.2.11") as two,
    ):
        answers = [
            (await sign_in(worker, "ada@example.com", WRONG)).status_code
            for worker in (one, two, one, two)
        ]

    # Three allowed per account, four failures: each process saw two.
    assert answers == [401, 401, 401, 401]


async def test_redis_holds_the_account_as_a_keyed_hash_not_the_email(
    throttled_app: AppFactory, redis_url: str
) -> None:
    app = throttled_app(redis_url=redis_url)
    email = f"ada-{uuid.uuid4().hex}@example.com"  # this test's own keys
    async with running(app) as served:
        transport = ASGITransport(app=served, client=("192.0.2.30", 50_000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await sign_in(client, email, WRONG)).status_code == 401
        pseudonym = served.state["sign_in_throttle"].pseudonym(email)

    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [key async for key in redis.scan_iter(match="shop:throttle*")]
    finally:
        await redis.aclose()
    assert re.fullmatch(r"[0-9a-f]{16}", pseudonym)  # 64 bits of a keyed hash
    assert any(pseudonym in key for key in keys), keys
    assert not [key for key in keys if email in key or "@" in key]
    assert pseudonym not in email


async def test_with_redis_stopped_each_process_still_limits_and_signs_in(
    throttled_app: AppFactory,
    own_redis: RedisServer,
    register: UserFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await register(email="ada@example.com")
    await register(email="bob@example.com")
    app = throttled_app(**_limits(), redis_url=own_redis.url)
    async with client_of(app, "192.0.2.20") as client:
        assert (await sign_in(client, "ada@example.com", WRONG)).status_code == 401
        own_redis.stop()
        capsys.readouterr()
        started = time.perf_counter()
        answers = [
            (await sign_in(client, "ada@example.com", WRONG)).status_code
            for _ in range(3)
        ]
        elapsed = time.perf_counter() - started
        bob = await sign_in(client, "bob@example.com", PASSWORD)
        fourth = await sign_in(client, "ada@example.com", WRONG)

    # The count before the outage is in Redis, out of reach: this process
    # counts afresh, and its limit still holds.
    assert answers == [401, 401, 401]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    fallbacks = [
        line
        for line in lines
        if line["message"] == "rate limit store unavailable, counting in this process"
    ]
    # Which operation fell back, and the store's own error, for the operator.
    assert fallbacks
    assert all(line["operation"] and line["error"] for line in fallbacks)
    assert bob.status_code == 200
    assert elapsed < 10  # refused connections: no waiting on a dead Redis
    assert fourth.status_code == 429


# --- the client address behind a proxy, on a real uvicorn ------------------------

DOCKERFILE = REPO_ROOT / "snippets" / "Dockerfile"
# A client of the server that is not on 127.0.0.1, which uvicorn trusts by
# default: its X-Forwarded-For must count for nothing.
CLIENT_ADDRESS = "127.0.0.2"


def _image_command() -> list[str]:
    """The Dockerfile's CMD: the options uvicorn runs with in production."""
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    assert cmd is not None, f"{DOCKERFILE}: no exec-form CMD"
    command: list[str] = json.loads(cmd[1])
    assert command[0] == "uvicorn", command
    return command


@contextlib.contextmanager
def _image_server(database_url: str, **env: str) -> Iterator[tuple[int, list[str]]]:
    """uvicorn with the image's CMD options on 127.0.0.1, three failures
    allowed per client; yields its port and the lines it has printed."""
    port = free_port()
    command = [sys.executable, "-m", *_image_command()]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    with served(
        command,
        port=port,
        cwd=REPO_ROOT / "snippets",
        # Only what the test sets: no FORWARDED_ALLOW_IPS from the caller.
        env={
            "PATH": os.environ["PATH"],
            "DATABASE_URL": database_url,
            "JWT_SECRET": secrets.token_urlsafe(48),
            "SIGN_IN_FAILURES_PER_CLIENT": "3",
            **env,
        },
        ready=answers("/health/live"),
        seconds=60,
    ) as server:
        yield port, server.lines


async def _sign_ins_from_behind(
    port: int, forwarded_for: list[str], via: str = CLIENT_ADDRESS
) -> list[int]:
    """One wrong sign-in per X-Forwarded-For value, each for a new email,
    all sent from the address ``via``."""
    transport = httpx.AsyncHTTPTransport(local_address=via)
    async with AsyncClient(
        transport=transport, base_url=f"http://127.0.0.1:{port}", timeout=30
    ) as client:
        return [
            (
                await client.post(
                    "/auth/token",
                    data={"username": f"victim-{n}@example.com", "password": WRONG},
                    headers={"X-Forwarded-For": value},
                )
            ).status_code
            for n, value in enumerate(forwarded_for)
        ]


# --8<-- [start:forwarded-for]
async def test_a_clients_own_x_forwarded_for_does_not_change_its_count(
    database_url: str,
) -> None:
    """As the image runs it: uvicorn trusts the header only from 127.0.0.1."""
    forged = [f"198.51.100.{n}" for n in range(1, 5)]  # a new address each time
    with _image_server(database_url) as (port, lines):
        answers = await _sign_ins_from_behind(port, forged)

    assert answers == [401, 401, 401, 429]
    failures = [json.loads(line) for line in lines if '"sign-in failed"' in line]
    assert {failure["client"] for failure in failures} == {CLIENT_ADDRESS}
    # --8<-- [end:forwarded-for]


async def test_by_default_a_proxy_on_the_loopback_address_is_trusted(
    database_url: str,
) -> None:
    """FORWARDED_ALLOW_IPS unset: a peer on 127.0.0.1 (a proxy on the same
    host) names the client, so each forwarded address has its own count."""
    forwarded = [f"198.51.100.{n}" for n in range(1, 6)]
    with _image_server(database_url) as (port, _):
        answers = await _sign_ins_from_behind(port, forwarded, via="127.0.0.1")

    assert answers == [401] * 5


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(
    database_url: str,
) -> None:
    """FORWARDED_ALLOW_IPS names the proxy; uvicorn then takes the rightmost
    address the proxy did not add itself, so a forged entry before it is
    ignored."""
    real, neighbour, forged = "198.51.100.1", "198.51.100.2", "203.0.113.66"
    with _image_server(database_url, FORWARDED_ALLOW_IPS=CLIENT_ADDRESS) as (
        port,
        _,
    ):
        answers = await _sign_ins_from_behind(
            port, [real, real, real, f"{forged}, {real}", neighbour]
        )

    assert answers == [401, 401, 401, 429, 401]


# --8<-- [start:trust-everyone]
async def test_trusting_every_address_lets_any_client_pick_a_new_count(
    database_url: str,
) -> None:
    """FORWARDED_ALLOW_IPS=* on a server clients reach directly: each forged
    address is a new client, and the per-client limit is gone."""
    forged = [f"198.51.100.{n}" for n in range(1, 6)]
    with _image_server(database_url, FORWARDED_ALLOW_IPS="*") as (port, _):
        answers = await _sign_ins_from_behind(port, forged)

    assert answers == [401] * 5
    # --8<-- [end:trust-everyone]


async def test_a_full_hashing_queue_answers_503_with_retry_after_at_once(
    throttled_app: AppFactory,
    register: UserFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await register(email="ada@example.com")
    app = throttled_app(password_hash_queue_timeout_seconds=0.2)
    held = _GatedHash(security._password_hash, expected=1)
    monkeypatch.setattr(security, "_password_hash", held)
    async with client_of(app) as client:
        # One sign-in takes the only hashing slot and keeps it.
        holder = asyncio.create_task(sign_in(client, "ada@example.com", PASSWORD))
        async with asyncio.timeout(30):
            await held.all_arrived.wait()
        async with asyncio.timeout(5):  # far above the 0.2 s wait it has
            queued = await sign_in(client, "ada@example.com", PASSWORD)
        held.gate.set()
        first = await holder

    assert first.status_code == 200
    error = assert_error(queued, 503, "service_unavailable")
    assert error["message"] == "Too many password checks in progress; try again shortly"
    assert queued.headers["retry-after"] == "1"


def _behind(proxy: DatabaseProxy, settings: Settings) -> FastAPI:
    """The app on the proxied database, 3 failures allowed per account."""
    return create_app(
        on_database(
            settings,
            proxy.url(),
            **_limits(),
            database_connect_timeout_seconds=1.0,
            database_pool_timeout_seconds=1.0,
        )
    )


async def test_sign_ins_answered_503_with_the_database_down_leave_the_account_alone(
    own_database_url: str, settings: Settings
) -> None:
    """The attacker's report: ten 503s locked the account once PostgreSQL
    was back. The account is counted once a hashing slot is held, after
    the read that fails here: no password was checked, nothing counts."""
    async with (
        database_proxy(own_database_url) as proxy,
        client_of(_behind(proxy, settings)) as client,
    ):
        await register_through(client)
        await proxy.stop()  # the database is down
        during = [await sign_in(client, "ada@example.com", PASSWORD) for _ in range(5)]
        await proxy.start()
        after = await sign_in(client, "ada@example.com", PASSWORD)

    # Five times past the account's limit of three, each a 503 that says
    # when to retry; the database back, the right password signs in.
    for response in during:
        assert_error(response, 503, "service_unavailable")
        assert response.headers["retry-after"] == str(OUTAGE_RETRY_AFTER_SECONDS)
    assert after.status_code == 200, after.text


# Another cost than the service's: every hash it stored is due an upgrade.
RAISED_COST = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1),))


async def test_a_right_password_answered_503_at_its_hash_upgrade_keeps_its_success(
    own_database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sceptic's: the owner's right password, with a hash due an upgrade,
    met the database going down between the check and the upgrade's write.
    The 503 lost the success, and two earlier wrong guesses plus this
    counted attempt locked the owner out once the database was back."""
    async with (
        database_proxy(own_database_url) as proxy,
        client_of(_behind(proxy, settings)) as client,
    ):
        await register_through(client)
        guesses = [await sign_in(client, "ada@example.com", WRONG) for _ in range(2)]
        gated = _GatedHash(RAISED_COST, expected=1)  # the stored hash is now old
        monkeypatch.setattr(security, "_password_hash", gated)
        owner = asyncio.create_task(sign_in(client, "ada@example.com", PASSWORD))
        async with asyncio.timeout(30):
            await gated.all_arrived.wait()  # counted, in its slot, checking
        await proxy.stop()
        gated.gate.set()
        during = await owner
        await proxy.start()
        after = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in guesses] == [401, 401]
    assert_error(during, 503, "service_unavailable")
    assert after.status_code == 200, after.text


class _GatedUpgrade:
    """A hash that checks at once, and whose hashing (an upgrade) waits at a
    gate the test opens."""

    def __init__(self, real: PasswordHash) -> None:
        self.real = real
        self.current_hasher = real.current_hasher  # older hashes are due an upgrade
        self.loop = asyncio.get_running_loop()
        self.hashing = asyncio.Event()
        self.gate = threading.Event()

    def verify(self, password: str, password_hash: str) -> bool:
        return self.real.verify(password, password_hash)

    def hash(self, password: str) -> str:
        self.loop.call_soon_threadsafe(self.hashing.set)
        self.gate.wait(timeout=30)
        return self.real.hash(password)


async def test_a_right_password_cancelled_during_its_hash_upgrade_keeps_its_success(
    own_database_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reviewer's: the success was recorded after the upgrade, which waits
    for a slot and hashes; a request cancelled there (a client gone, the
    server's graceful timeout) left the right password counted."""
    app = own_database_app(**_limits())
    async with client_of(app) as client:
        await register_through(client)
        guesses = [await sign_in(client, "ada@example.com", WRONG) for _ in range(2)]
        gated = _GatedUpgrade(RAISED_COST)  # the stored hash is now old
        monkeypatch.setattr(security, "_password_hash", gated)
        owner = asyncio.create_task(sign_in(client, "ada@example.com", PASSWORD))
        async with asyncio.timeout(30):
            await gated.hashing.wait()  # checked, and hashing its upgrade
        owner.cancel()
        await asyncio.gather(owner, return_exceptions=True)
        gated.gate.set()  # the hash's thread ends, and frees its slot
        after = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in guesses] == [401, 401]
    assert after.status_code == 200, after.text
    # The cancelled sign-in has its line, after the two failures.
    auth = [
        line["message"]
        for line in json_log_lines(capsys.readouterr().out)
        if line["logger"] == "shop.auth"
    ]
    assert auth[2:] == [
        "sign-in interrupted after the password matched",
        "sign-in succeeded",
    ]


async def test_a_locked_out_account_is_refused_before_the_read_and_the_hash(
    own_database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account's limit is read before any work: with the database down,
    a locked-out account's sign-in is still its 429, not a 503, and the
    hasher checks nothing."""
    recording = _RecordingHash(security._password_hash)
    async with (
        database_proxy(own_database_url) as proxy,
        client_of(_behind(proxy, settings)) as client,
    ):
        await register_through(client)
        failures = [await sign_in(client, "ada@example.com", WRONG) for _ in range(3)]
        monkeypatch.setattr(security, "_password_hash", recording)
        await proxy.stop()  # a read would now be a 503
        locked_out = await sign_in(client, "ada@example.com", PASSWORD)

    assert [response.status_code for response in failures] == [401] * 3
    assert_error(locked_out, 429, "too_many_requests")
    assert recording.checked == []


class _RecordingHash:
    """The service's hash, recording whose password each verification checked."""

    def __init__(self, real: PasswordHash) -> None:
        self.real = real
        self.checked: list[str] = []

    def verify(self, password: str, password_hash: str) -> bool:
        self.checked.append(password)
        return self.real.verify(password, password_hash)


async def test_a_refusal_once_a_slot_is_held_frees_the_slot_and_hashes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = security.PasswordHasher(concurrency=1, queue_timeout_seconds=1)
    stored = security._password_hash.hash(PASSWORD)
    recording = _RecordingHash(security._password_hash)
    monkeypatch.setattr(security, "_password_hash", recording)

    async def locked_out() -> None:  # the account's count, spent
        raise TooManyRequestsError("Too many failed sign-ins", retry_after_seconds=60)

    with pytest.raises(TooManyRequestsError):
        await hasher.verify(WRONG, stored, before=locked_out)
    # The next check takes the slot within its second of waiting; a slot
    # kept by the refusal would make it a 503 (ServiceBusyError).
    [next_check] = await asyncio.gather(
        hasher.verify(PASSWORD, stored), return_exceptions=True
    )

    assert next_check is True, repr(next_check)
    assert recording.checked == [PASSWORD]  # the refused guess was never hashed


@pytest.mark.parametrize("attempt", ["sign-in", "password change"])
async def test_attempts_answered_503_for_a_full_hashing_queue_leave_the_account_alone(
    throttled_app: AppFactory,
    register: UserFactory,
    monkeypatch: pytest.MonkeyPatch,
    attempt: str,
) -> None:
    """A request that finds no hashing slot in time is a 503 before its
    account is counted: an obedient client that retries after each one
    does not lock itself out."""
    await register(email="ada@example.com")
    await register(email="bob@example.com")
    app = throttled_app(**_limits(), password_hash_queue_timeout_seconds=0.2)
    held = _GatedHash(security._password_hash, expected=1)
    async with client_of(app) as client:
        token = (await sign_in(client, "ada@example.com", PASSWORD)).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}

        async def try_once() -> Response:
            if attempt == "sign-in":
                return await sign_in(client, "ada@example.com", PASSWORD)
            body = {"password": "a brand new passphrase", "current_password": PASSWORD}
            return await client.patch("/users/me", headers=auth, json=body)

        monkeypatch.setattr(security, "_password_hash", held)
        # Bob's sign-in takes the only hashing slot and keeps it.
        holder = asyncio.create_task(sign_in(client, "bob@example.com", PASSWORD))
        async with asyncio.timeout(30):
            await held.all_arrived.wait()
        async with asyncio.timeout(30):  # five waits of 0.2 s
            queued = [await try_once() for _ in range(5)]
        held.gate.set()
        assert (await holder).status_code == 200
        later = await try_once()

    # Five times past the account's limit of three: each a 503, none counted.
    for response in queued:
        error = assert_error(response, 503, "service_unavailable")
        assert error["message"] == (
            "Too many password checks in progress; try again shortly"
        )
    assert later.status_code == 200, later.text


async def test_with_no_bound_on_the_queue_a_real_sign_in_waits_behind_every_bogus_one(
    own_database_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One hashing slot and a queue wait far longer than the test: the real
    sign-in, sent last, is checked after every bogus one before it."""
    flood = 8
    held = _GatedHash(security._password_hash, expected=1)
    monkeypatch.setattr(security, "_password_hash", held)
    # (start or end, password) of each check, as the hashing thread runs it.
    checks: list[tuple[str, str]] = []
    queued = 0
    all_queued = asyncio.Event()
    verify = security.PasswordHasher.verify

    async def arrive(
        hasher: security.PasswordHasher,
        password: str,
        password_hash: str,
        *,
        before: security.BeforeHashing,
    ) -> bool:
        nonlocal queued
        queued += 1
        if queued == flood:
            all_queued.set()
        return await verify(hasher, password, password_hash, before=before)

    def verify_in_slot(password: str, password_hash: str) -> bool:
        checks.append(("start", password))
        try:
            return _GatedHash.verify(held, password, password_hash)
        finally:
            checks.append(("end", password))

    monkeypatch.setattr(security.PasswordHasher, "verify", arrive)
    monkeypatch.setattr(held, "verify", verify_in_slot)
    app = own_database_app(
        sign_in_failures_per_client=100,
        password_hash_concurrency=1,
        password_hash_queue_timeout_seconds=60,  # the most settings allow
    )
    async with client_of(app) as client:
        email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
        await register_through(client, email)
        checks.clear()
        bogus = asyncio.gather(
            *(
                sign_in(client, f"bot-{n}@example.com", f"guess {n}")
                for n in range(flood)
            )
        )
        async with asyncio.timeout(30):  # every bogus sign-in at the hasher
            await all_queued.wait()
        real = asyncio.create_task(sign_in(client, email, PASSWORD))
        held.gate.set()
        answers, signed_in = await bogus, await real

    assert [response.status_code for response in answers] == [401] * flood
    assert signed_in.status_code == 200
    # One check at a time, the decoy check of each bogus sign-in ending
    # before the next starts, and the real password's last of all.
    assert [kind for kind, _ in checks] == ["start", "end"] * (flood + 1)
    assert checks[-2:] == [("start", PASSWORD), ("end", PASSWORD)]


class _TicketedHash:
    """A hash whose verifications each wait for a ticket the test hands out,
    and which records whose password each checked, in order."""

    def __init__(self, real: PasswordHash) -> None:
        self.real = real
        # What tells an outdated hash from a current one, as the real has it.
        self.current_hasher = real.current_hasher
        self.tickets = threading.Semaphore(0)
        self.checked: list[str] = []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        assert self.tickets.acquire(timeout=30), "the test handed out no ticket"
        self.checked.append(password)
        return self.real.verify(password, password_hash)


ATTACKER_PASSWORD = "the attacker's own passphrase"  # noqa: S105  # pragma: allowlist secret
FLOOD_RATE = 4  # password checks per client, in the test that limits them


@dataclass
class FloodOutcome:
    refused_at_once: list[Response]  # answered before the hasher checked any
    flood: list[Response]
    alice: Response
    checked: list[str]  # whose password each check was, in order


async def _flood_then_alice(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> FloodOutcome:
    """The reported attack at test scale, counted rather than timed.

    Three accounts of the attacker's own and eight sign-ins at once on each,
    all with the right password, against one hashing slot. Checks run only
    on tickets the test hands out: once every sign-in of the flood is
    answered or at the hasher, Alice signs in from another address, and
    the hasher gets one ticket more than the attacker's rate. Unless her
    check is among those, she waits out the queue's bound.
    """
    ticketed = _TicketedHash(security._password_hash)
    monkeypatch.setattr(security, "_password_hash", ticketed)
    arrived = 0  # sign-ins at the hasher, queued or in the slot
    answered: list[Response] = []
    progress = asyncio.Condition()  # notified on each arrival and answer
    verify = security.PasswordHasher.verify

    async def arrive(
        hasher: security.PasswordHasher,
        password: str,
        password_hash: str,
        *,
        before: security.BeforeHashing,
    ) -> bool:
        nonlocal arrived
        async with progress:
            arrived += 1
            progress.notify_all()
        return await verify(hasher, password, password_hash, before=before)

    async def flood_sign_in(client: AsyncClient, email: str) -> Response:
        response = await sign_in(client, email, ATTACKER_PASSWORD)
        async with progress:
            answered.append(response)
            progress.notify_all()
        return response

    async def until(condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(30), progress:
            await progress.wait_for(condition)

    monkeypatch.setattr(security.PasswordHasher, "verify", arrive)
    alice = f"alice-{uuid.uuid4().hex[:8]}@example.com"
    bots = [f"bot-{n}-{uuid.uuid4().hex[:8]}@example.com" for n in range(3)]
    async with (
        running(app) as served,
        client_of(served, "198.51.100.66") as attacker,
        client_of(served, "203.0.113.9") as alices_client,
    ):
        for email, client, password in [
            *((bot, attacker, ATTACKER_PASSWORD) for bot in bots),
            (alice, alices_client, PASSWORD),
        ]:
            account = {"email": email, "name": "N", "password": password}
            assert (await client.post("/users", json=account)).status_code == 201
        flood = [
            asyncio.create_task(flood_sign_in(attacker, bot))
            for bot in bots
            for _ in range(8)
        ]
        try:
            # Every sign-in of the flood answered or at the hasher.
            await until(lambda: arrived + len(answered) == len(flood))
            refused_at_once = list(answered)
            signing_in = asyncio.create_task(sign_in(alices_client, alice, PASSWORD))
            await until(lambda: arrived + len(refused_at_once) == len(flood) + 1)
            ticketed.tickets.release(FLOOD_RATE + 1)
            async with asyncio.timeout(30):
                alices_answer = await signing_in
        finally:
            ticketed.tickets.release(len(flood))  # let the rest finish
            answers = await asyncio.gather(*flood)
    return FloodOutcome(refused_at_once, answers, alices_answer, ticketed.checked)


async def test_a_clients_flood_of_right_passwords_cannot_fill_the_hashing_queue(
    own_database_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = own_database_app(
        password_checks_per_client=FLOOD_RATE,  # 4 in any 10 seconds
        password_hash_concurrency=1,
        password_hash_queue_timeout_seconds=5,  # far longer than four checks
    )
    outcome = await _flood_then_alice(app, monkeypatch)

    # Alice's check comes right after the attacker's four: a 200, not a 503.
    assert outcome.alice.status_code == 200, outcome.alice.text
    assert outcome.checked == [ATTACKER_PASSWORD] * 4 + [PASSWORD]
    # The other 20 are refused before any check, with a Retry-After.
    assert [r.status_code for r in outcome.refused_at_once] == [429] * 20
    assert all(int(r.headers["retry-after"]) <= 10 for r in outcome.refused_at_once)
    assert sorted(r.status_code for r in outcome.flood) == [200] * 4 + [429] * 20


async def test_with_no_check_rate_a_flood_of_right_passwords_gets_alice_a_503(
    own_database_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack as reported: the failure limits never see it, and the
    bounded queue turns it into 503s for a real user."""
    app = own_database_app(
        password_checks_per_client=10_000,  # the most settings allow: no limit here
        password_hash_concurrency=1,
        password_hash_queue_timeout_seconds=5,
    )
    outcome = await _flood_then_alice(app, monkeypatch)

    assert outcome.refused_at_once == []  # all 24 at the hasher
    error = assert_error(outcome.alice, 503, "service_unavailable")
    assert error["message"] == "Too many password checks in progress; try again shortly"
    assert PASSWORD not in outcome.checked
    assert {r.status_code for r in outcome.flood} <= {200, 503}


def test_the_settings_refuse_more_than_100_failures_per_account_per_hour(
    settings: Settings,
) -> None:
    # model_validate checks only the fields given: no environment, no .env.
    fields = settings.model_dump() | {"jwt_secret": SecretStr("x" * 40)}
    # In the default 15-minute window: 25 is 100 an hour, 26 is 104.
    Settings.model_validate(fields | {"sign_in_failures_per_account": 25})

    with pytest.raises(ValidationError, match="at most 100"):
        Settings.model_validate(fields | {"sign_in_failures_per_account": 26})


async def test_the_hourly_ceiling_counts_every_window_that_begins_in_the_hour(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """27 per 1,000 s is 97.2 an hour on average, but four windows begin in
    an hour (at 0, 1,000, 2,000 and 3,000 s): 108 failures fit in one."""
    limiter = SharedRateLimiter(None, timeout_seconds=1)
    limit = limit_per_window(27, 1000)
    start = time.time()
    admitted = 0
    for burst in range(4):
        at = start + burst * 1000.001  # just past the previous burst's window
        monkeypatch.setattr(time, "time", lambda at=at: at)
        admitted += sum([await limiter.hit(limit, "ada") for _ in range(30)])
    assert admitted == 108
    assert time.time() - start < 3600

    fields = settings.model_dump() | {"jwt_secret": SecretStr("x" * 40)}
    window = {"throttle_window_seconds": 1000}
    Settings.model_validate(fields | window | {"sign_in_failures_per_account": 25})

    with pytest.raises(ValidationError, match="allows 108 failed sign-ins"):
        Settings.model_validate(fields | window | {"sign_in_failures_per_account": 27})


def test_the_defaults_are_the_pages_ten_failures_in_15_minutes() -> None:
    fields = Settings.model_fields
    assert fields["sign_in_failures_per_account"].default == 10
    assert fields["throttle_window_seconds"].default == 15 * 60
    assert fields["password_hash_queue_timeout_seconds"].default == 2.0
    assert fields["password_checks_per_client"].default == 5
    assert PASSWORD_CHECK_WINDOW_SECONDS == 10
    # limits checks and counts a moving window in one Redis script.
    script = RedisBridge.SCRIPT_ACQUIRE_MOVING_WINDOW.decode()
    assert "redis.call('lindex'" in script
    assert "redis.call('lpush'" in script
    text = prose(PAGE)
    assert "The eleventh attempt after ten failures is a 429" in text
    assert "ends with the window (15 minutes by default)" in text
    assert "(`password_checks_per_client` in any 10 seconds, five by default)" in text
    assert "the 2 seconds a request waits for a slot" in text
    per_minute = 5 * 60 // PASSWORD_CHECK_WINDOW_SECONDS
    assert f"The window is short on purpose: {per_minute} a minute allows" in text
    assert f"one office's address sign in {per_minute} a minute" in text


def test_a_clients_whole_check_rate_at_once_fits_in_the_queues_wait() -> None:
    """The page: five hashes, each as long as the slowest benchmark run of
    one, fit within the 2 s a request waits for a hashing slot."""
    _, hash_ms = citation_keys(load_benchmarks())["password_hashing.hash_ms"]
    fields = Settings.model_fields
    burst_seconds = (
        fields["password_checks_per_client"].default * hash_ms["stats"]["max"] / 1000
    )
    assert burst_seconds < fields["password_hash_queue_timeout_seconds"].default
    assert "[[bench:password_hashing.hash_ms]] each fit within it" in PAGE.read_text()


def test_the_page_names_the_store_and_the_sources() -> None:
    text = prose(PAGE)
    for claim in (
        "NIST SP 800-63B",
        "5.2.2",
        "ASVS",
        "v4.0.3-2.2.1",
        "Redis",
        "several workers",
    ):
        assert claim in text, claim
