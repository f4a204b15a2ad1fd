"""Helpers of the evidence modules: build the app on the test's session, read pages."""

from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

# Loaded by tests/principles/conftest.py before any evidence module.
from shop_fixtures import running
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.main import create_app

__all__ = ["build_app", "client_for", "prose", "running"]


def build_app(settings: Settings, session: AsyncSession) -> FastAPI:
    """``create_app(settings)`` with ``get_db`` yielding the test's session."""
    app = create_app(settings)

    async def override_get_db() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_db] = override_get_db
    return app


def client_for(app: FastAPI) -> AsyncClient:
    """An in-process HTTP client of ``app`` (no lifespan; see ``running``)."""
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://test")


def prose(page: Path) -> str:
    """The page's text with line breaks and runs of spaces folded."""
    return " ".join(page.read_text().split())
