"""Liveness and readiness probes.

``/health/live`` answers while the process can serve HTTP at all; it never
touches the database, so a database outage does not make an orchestrator
restart every replica. ``/health/ready`` answers only when the database does,
so traffic is routed away from a replica that cannot serve it.
"""

import asyncio
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.dependencies import get_app_settings
from shop.core.errors import ERROR_RESPONSES
from shop.shared.exceptions import ServiceUnavailableError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"], responses=ERROR_RESPONSES)


class LiveResponse(BaseModel):
    """Body of ``GET /health/live``."""

    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    """Body of a successful ``GET /health/ready``."""

    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"


# --8<-- [start:health-endpoint]
@router.get("/live")
async def live() -> LiveResponse:
    """200 whenever the process answers HTTP; restart it only if this fails."""
    return LiveResponse()


@router.get("/ready")
async def ready(
    db: Annotated[AsyncSession, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> ReadyResponse:
    """200 when the database answers ``SELECT 1`` in time; 503 otherwise."""
    try:
        # One budget for checkout, connect and query together: a probe that
        # hangs is worse than one that fails.
        async with asyncio.timeout(settings.database_connect_timeout_seconds):
            await db.execute(text("SELECT 1"))
    # Whatever the probe raises, the replica is not ready: a refused or
    # timed-out connection (SQLAlchemyError, OSError, TimeoutError), and as
    # much a TypeError asyncpg raises on connect for an argument it does not
    # take. The error's type and text go to the log, not into the body.
    except Exception as exc:
        logger.warning("database unreachable", extra={"error": repr(exc)})
        raise ServiceUnavailableError("Database unreachable") from None
    return ReadyResponse()
    # --8<-- [end:health-endpoint]
