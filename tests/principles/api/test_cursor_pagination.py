"""Evidence for API-CURSOR-PAGINATION: the index the page says matches the query."""

from claims_support import prose
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.docs_tree import DOCS_DIR

PAGE = DOCS_DIR / "principles" / "api" / "cursor-pagination.md"


async def test_the_migrations_create_an_index_on_user_id_then_id(
    session: AsyncSession,
) -> None:
    definitions = (
        await session.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders'")
        )
    ).all()

    assert any(d.endswith("(user_id, id)") for d in definitions), definitions
    assert "creates an index on `(user_id, id)`" in prose(PAGE)
