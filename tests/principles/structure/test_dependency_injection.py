"""Evidence for STRUCT-DEPENDS: one session per request, however many dependencies ask."""

from collections.abc import AsyncIterator
from typing import Any

from claims_support import prose
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from handbook.docs_tree import DOCS_DIR
from shop.core.database import get_db
from shop.users.router import update_me

PAGE = DOCS_DIR / "principles" / "structure" / "dependency-injection.md"


async def test_get_db_runs_once_in_a_request_that_needs_it_twice(
    app: FastAPI, client: AsyncClient, session: AsyncSession, alice: dict[str, Any]
) -> None:
    sessions_opened = 0

    async def counting_get_db() -> AsyncIterator[AsyncSession]:
        nonlocal sessions_opened
        sessions_opened += 1
        yield session

    app.dependency_overrides[get_db] = counting_get_db
    response = await client.patch(
        "/users/me", json={"name": "Alice B."}, headers=alice["headers"]
    )

    assert response.status_code == 200, response.text
    assert sessions_opened == 1
    # The handler needs the users service itself and through CurrentUser.
    assert {"current_user", "service"} <= set(update_me.__annotations__)
    assert "each dependency runs **once per request**" in prose(PAGE)
