"""Evidence for DB-BOUND-PARAMS: string-built SQL is injectable, bound parameters are not.

Run against the real PostgreSQL, on the migrated schema, with two real users.
"""

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR
from shop.users.models import User
from tests.support.linting import ruff_check_code
from tests.support.pages import block_titled
from tests.support.shop_fixtures import UserFactory

PAGE = DOCS_DIR / "principles" / "data" / "bound-parameters.md"
ATTACK = "' OR '1'='1"


# --8<-- [start:unsafe]
async def find_emails_unsafe(session: AsyncSession, email: str) -> list[str]:
    query = f"SELECT email FROM users WHERE email = '{email}'"  # noqa: S608 - the page's bad example
    return list((await session.scalars(text(query))).all())
    # --8<-- [end:unsafe]


# --8<-- [start:safe]
async def find_emails(session: AsyncSession, email: str) -> list[str]:
    query = select(User.email).where(User.email == email)  # email is sent as $1
    return list((await session.scalars(query)).all())


async def find_emails_in_sql(session: AsyncSession, email: str) -> list[str]:
    query = text(
        "SELECT email FROM users WHERE email = :email"
    )  # hand-written SQL, bound
    return list((await session.scalars(query, {"email": email})).all())
    # --8<-- [end:safe]


# --8<-- [start:injection]
async def test_a_quote_in_the_input_rewrites_string_built_sql(
    session: AsyncSession, register: UserFactory
) -> None:
    await register(email="alice@example.com")
    await register(email="bob@example.com")

    # WHERE email = '' OR '1'='1': every user, to whoever typed it.
    assert sorted(await find_emails_unsafe(session, ATTACK)) == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert await find_emails(session, ATTACK) == []
    assert await find_emails_in_sql(session, ATTACK) == []
    assert await find_emails(session, "bob@example.com") == ["bob@example.com"]
    # --8<-- [end:injection]


def test_ruff_flags_the_string_built_query_as_quoted() -> None:
    code = (
        "from sqlalchemy import text\n\n\n"
        "def query(email: str):\n"
        "    return text(f\"SELECT email FROM users WHERE email = '{email}'\")\n"
    )
    result = ruff_check_code(
        code, "snippets/shop/users/repository.py", "--select", "S608"
    )

    quoted = block_titled(PAGE, "Output of ruff check").source.strip()
    assert quoted in result.stdout, result.stdout
