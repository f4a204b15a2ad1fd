"""What goes wrong with the source document's session code, reproduced.

The handbook's pages quote these tests as their "Don't" evidence: each one
runs the source's pattern against the real service and PostgreSQL and
asserts the failure it causes.
"""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.main import create_app
from shop.users.models import User
from tests.support.logs import json_log_lines
from tests.support.shop_fixtures import lifespan_client


# --8<-- [start:expired-after-commit]
async def test_the_source_session_fixture_expires_objects_on_commit(
    connection: AsyncConnection,
) -> None:
    # The source's fixture: no expire_on_commit=False.
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint"
    ) as session:
        password_hash = "$argon2id$v=19$m=8,t=1,p=1$not-checked-here"  # noqa: S105  # never verified
        user = User(email="ada@example.com", name="Ada", password_hash=password_hash)
        session.add(user)
        await session.commit()  # what every service method does

        # commit() expired every attribute; reading one needs a query,
        # which async SQLAlchemy refuses to run implicitly.
        with pytest.raises(MissingGreenlet):
            print(user.email)
    # --8<-- [end:expired-after-commit]


async def test_a_session_that_expires_on_commit_breaks_the_response(
    settings: Settings, connection: AsyncConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    app: FastAPI = create_app(settings)

    async def source_get_db() -> AsyncIterator[AsyncSession]:
        # The source's get_db: AsyncSession(...) with its defaults.
        async with AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint"
        ) as session:
            yield session

    app.dependency_overrides[get_db] = source_get_db
    async with lifespan_client(app, raise_app_exceptions=False) as client:
        response = await client.post(
            "/users",
            json={
                "email": "ada@example.com",
                "name": "Ada Lovelace",
                "password": "correct horse battery staple",
            },
        )

    assert response.status_code == 500  # committed, then the response failed
    assert response.json()["error"]["code"] == "internal_server_error"
    # The request did succeed: the user is in the table (the service's
    # commit() released its savepoint), and the 500 is the expired user.
    assert await connection.scalar(select(func.count()).select_from(User)) == 1
    [logged] = [
        line
        for line in json_log_lines(capsys.readouterr().out)
        if line["level"] == "ERROR"
    ]
    assert (
        logged["exception"]
        .splitlines()[-1]
        .startswith("sqlalchemy.exc.MissingGreenlet: ")
    )
