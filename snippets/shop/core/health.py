"""Liveness and readiness probes.

``/health/live`` answers while the process can serve HTTP at all; it never
touches the database, so a database outage does not make an orchestrator
restart every replica. ``/health/ready`` answers only when the database does,
and holds the schema this code needs, so traffic is routed away from a
replica that cannot serve it.
"""

import asyncio
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.core.config import Settings
from shop.core.database import get_db
from shop.core.dependencies import get_app_settings
from shop.core.errors import ERROR_RESPONSES, sqlstate_of
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
# The newest migration in migrations/ when this code was written: the schema
# must have it applied. Newer ones too is ready: in a rolling deploy the next
# release migrates first, and this one serves on the newer schema as long
# as that migration only adds (expand). A constant, not the files read at
# start-up: the code states what it needs wherever it runs, and a test fails
# when a migration is added without raising it.
SCHEMA_REVISION = "20261206180100"

# Each migration applied is a row of this table, written by the script that
# applies them. Ready when this code's revision is one of the rows: the
# newest row alone would call ready a schema that holds another branch's
# newer migration but not this one. The newest is read for the log.
_REVISIONS = text(
    "SELECT max(version), coalesce(bool_or(version = :needed), false)"
    " FROM shop_meta.schema_revisions"
).bindparams(needed=SCHEMA_REVISION)
_UNDEFINED_TABLE = "42P01"  # SQLSTATE: never migrated, or another database


@router.get("/live")
async def live() -> LiveResponse:
    """200 whenever the process answers HTTP; restart it only if this fails."""
    return LiveResponse()


@router.get("/ready")
async def ready(
    db: Annotated[AsyncSession, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> ReadyResponse:
    """200 when the database answers in time and its schema is new enough."""
    try:
        # One budget for checkout, connect and query together: a probe that
        # hangs is worse than one that fails.
        async with asyncio.timeout(settings.database_connect_timeout_seconds):
            newest, applied = await _schema_revision(db)
    # Whatever the probe raises, the replica is not ready: a refused or
    # timed-out connection (SQLAlchemyError, OSError, TimeoutError), and as
    # much a TypeError asyncpg raises on connect for an argument it does not
    # take. The error's type and text go to the log, not into the body.
    except Exception as exc:
        # The budget too: a bare TimeoutError() does not say which wait ran out.
        budget = settings.database_connect_timeout_seconds
        logger.warning(
            "database unreachable",
            extra={"error": repr(exc), "probe_budget_seconds": budget},
        )
        raise ServiceUnavailableError("Database unreachable") from None
    # An old schema fails every request that reads what the missing
    # migrations add: not ready until they are applied.
    if not applied:
        logger.warning(
            "database schema behind the code",
            extra={"schema_revision": newest, "required_revision": SCHEMA_REVISION},
        )
        raise ServiceUnavailableError("Database schema out of date")
    return ReadyResponse()
    # --8<-- [end:health-endpoint]


async def _schema_revision(db: AsyncSession) -> tuple[str | None, bool]:
    """The newest migration applied to the database (None if none is
    recorded), and whether ``SCHEMA_REVISION`` is applied."""
    try:
        newest, applied = (await db.execute(_REVISIONS)).one()
    except ProgrammingError as exc:
        if sqlstate_of(exc) != _UNDEFINED_TABLE:
            raise
        return None, False  # no revisions table: no migration ever ran here
    return newest, applied
