"""Liveness and readiness: ``GET /health`` answers only if the database does."""

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.database import get_db
from shop.core.errors import ERROR_RESPONSES
from shop.shared.exceptions import ServiceUnavailableError

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)


# --8<-- [start:health-endpoint]
class HealthResponse(BaseModel):
    """Body of a healthy ``GET /health``."""

    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"


@router.get("/health")
async def health(db: Annotated[AsyncSession, Depends(get_db)]) -> HealthResponse:
    """200 when the database answers ``SELECT 1``; 503 otherwise."""
    try:
        await db.execute(text("SELECT 1"))
    # asyncpg raises OSError subclasses (refused, timed out) on connect,
    # which SQLAlchemy does not always wrap.
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("database unreachable", extra={"error": repr(exc)})
        raise ServiceUnavailableError("Database unreachable") from None
    return HealthResponse()
    # --8<-- [end:health-endpoint]
