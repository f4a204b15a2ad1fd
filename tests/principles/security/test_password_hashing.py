"""Evidence for SEC-PASSWORDS: sign-in answers the same for an unknown email
and a wrong password, as the page says, through the real API and database."""

from claims_support import prose
from httpx import AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from shop_fixtures import UserFactory

from handbook.docs_tree import DOCS_DIR, REPO_ROOT

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
