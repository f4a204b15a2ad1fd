"""Evidence for DB-BOUND-PARAMS: string-built SQL is injectable, bound parameters are not.

Run against the real PostgreSQL, on the migrated schema, with two real users.
"""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import literal_column, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.users.models import User
from tests.support.linting import ruff_check_code
from tests.support.pages import block_titled, prose
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


# --8<-- [start:not-only-strings]
async def test_literal_column_takes_input_as_sql_and_like_as_a_pattern(
    session: AsyncSession, register: UserFactory
) -> None:
    await register(email="alice@example.com")
    await register(email="bob@example.com")
    condition_from_input = "email = '' OR '1'='1'"

    injected = select(User.email).where(literal_column(condition_from_input))
    assert len((await session.scalars(injected)).all()) == 2  # every user
    # Bound, yet a pattern to LIKE: "%" matches every email.
    wildcard = select(User.email).where(User.email.like("%"))
    assert len((await session.scalars(wildcard)).all()) == 2
    literal = select(User.email).where(User.email.contains("%", autoescape=True))
    assert (await session.scalars(literal)).all() == []  # no email holds a "%"
    # --8<-- [end:not-only-strings]
    page = prose(PAGE)
    assert "in `like()`, `ilike()` or `contains()` it is a pattern" in page
    assert "or input handed to `text()` or `literal_column()`" in page
    assert "can never change what the statement does" not in page


def test_ruff_flags_the_string_built_query_as_quoted() -> None:
    code = (
        "from sqlalchemy import text\n\n\n"
        "def query(email: str) -> object:\n"
        "    return text(f\"SELECT email FROM users WHERE email = '{email}'\")\n"
    )
    # The repository's own rule selection, not one the test picks.
    result = ruff_check_code(code, "snippets/shop/users/repository.py")

    quoted = block_titled(PAGE, "Output of ruff check").source.strip()
    assert quoted in result.stdout, result.stdout


REPOSITORIES = sorted((REPO_ROOT / "snippets" / "shop").glob("*/repository.py"))


def _calls_of(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_every_repository_of_the_service_uses_the_query_builder() -> None:
    assert len(REPOSITORIES) >= 3, REPOSITORIES
    for path in REPOSITORIES:
        tree = ast.parse(path.read_text(), filename=str(path))
        # No SQL text of its own: none of SQLAlchemy's ways to take raw SQL,
        # no string handed to a method that runs a statement, and no string
        # built from values (an f-string, % or .format) to hand anywhere.
        for raw_sql in ("text", "literal_column", "literal", "exec_driver_sql"):
            assert not _calls_of(tree, raw_sql), f"{path}: {raw_sql}()"
        assert not _calls_of(tree, "format"), path
        for node in ast.walk(tree):
            built = isinstance(node, ast.JoinedStr) or (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant)
            )
            assert not built, f"{path}:{getattr(node, 'lineno', 0)}"
        runs = ("execute", "scalars", "scalar", "stream", "stream_scalars")
        for call in [call for name in runs for call in _calls_of(tree, name)]:
            first = call.args[0] if call.args else None
            assert not isinstance(first, ast.Constant | ast.JoinedStr), (
                f"{path}:{call.lineno}"
            )
        assert _calls_of(tree, "select"), path


async def test_a_table_name_cannot_be_a_bound_parameter(
    session: AsyncSession,
) -> None:
    with pytest.raises(ProgrammingError, match="syntax error"):
        async with session.begin_nested():
            await session.execute(text("SELECT email FROM :table"), {"table": "users"})


async def test_a_bound_column_name_is_a_value_not_the_column(
    session: AsyncSession, register: UserFactory
) -> None:
    await register(email="bob@example.com")
    await register(email="alice@example.com")
    query = text("SELECT :column AS selected FROM users")

    rows = (await session.execute(query, {"column": "email"})).all()

    # Every row holds the word itself: the parameter named no column.
    assert [row.selected for row in rows] == ["email", "email"]


# The How-to-check search, and what it finds beside ruff's S608.
BASE_IN_A_CONSTANT = """\
from sqlalchemy import text

BASE = "SELECT email FROM users"


def find(email: str):
    return text(f"{BASE} WHERE email = '{email}'")
"""
# A call too long for one line: `ruff format` moves the f-string to its own.
WRAPPED_BY_THE_FORMATTER = """\
from sqlalchemy import text

BASE = "SELECT email FROM users"


def find_by_email_and_status(email: str, status: str):
    return text(
        f"{BASE} WHERE email = '{email}' AND status = '{status}' ORDER BY email"
    )
"""
ASSIGNED_FIRST = """\
from sqlalchemy import text

BASE = "SELECT email FROM users"


def find(email: str):
    query = f"{BASE} WHERE email = '{email}'"
    return text(query)
"""


def _the_pages_search(snippets: Path) -> str:
    match = re.search(r'`grep (-[a-zA-Z]+) "([^"]+)" snippets/`', prose(PAGE))
    assert match, f"{PAGE}: no grep search in How to check"
    grep = shutil.which("grep")
    assert grep, "grep is not on PATH"
    return subprocess.run(
        [grep, match.group(1), match.group(2), "snippets/"],
        cwd=snippets.parent,
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def test_the_search_finds_what_ruff_misses_only_written_inside_the_call(
    tmp_path: Path,
) -> None:
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    cases = {
        "inline": BASE_IN_A_CONSTANT,
        "wrapped": WRAPPED_BY_THE_FORMATTER,
        "assigned": ASSIGNED_FIRST,
    }
    for name, code in cases.items():
        (snippets / f"{name}.py").write_text(code)
        # S608 looks for SQL keywords in the string it sees; here they sit in BASE.
        ruff = ruff_check_code(code, f"{name}.py", "--select", "S608")
        assert ruff.returncode == 0, ruff.stdout
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "snippets/"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout  # as `ruff format` leaves it

    found = _the_pages_search(snippets)

    assert "inline.py" in found
    assert "wrapped.py" in found
    assert "assigned.py" not in found  # neither the search nor ruff: review
    page = prose(PAGE)
    assert "Neither finds an f-string assigned to a variable first" in page
