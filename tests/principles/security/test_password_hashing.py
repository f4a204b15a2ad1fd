"""Evidence for SEC-PASSWORDS: sign-in answers the same for an unknown email
and a wrong password, as the page says, through the real API and database."""

from claims_support import prose
from httpx import AsyncClient
from shop_fixtures import UserFactory

from handbook.docs_tree import DOCS_DIR

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
