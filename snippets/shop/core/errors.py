"""One error body for every failure, whoever raised it.

Every 4xx and 5xx response has the shape::

    {"error": {"code": "not_found", "message": "Order not found", "details": []}}

``code`` is stable and machine-readable; ``message`` is for humans;
``details`` lists field problems for validation errors and is empty otherwise.
"""

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from shop.core.response_status import ResponseStatus
from shop.shared.exceptions import (
    OUTAGE_RETRY_AFTER_SECONDS,
    ConflictError,
    DomainError,
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessableError,
)

logger = logging.getLogger(__name__)

_DOMAIN_STATUS: dict[type[DomainError], HTTPStatus] = {
    NotFoundError: HTTPStatus.NOT_FOUND,
    ConflictError: HTTPStatus.CONFLICT,
    UnauthorizedError: HTTPStatus.UNAUTHORIZED,
    ForbiddenError: HTTPStatus.FORBIDDEN,
    ServiceUnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
    UnprocessableError: HTTPStatus.UNPROCESSABLE_ENTITY,
    TooManyRequestsError: HTTPStatus.TOO_MANY_REQUESTS,
}

# Written out, not derived from HTTPStatus(...).phrase: Python 3.13 renamed
# the phrases of 413, 414, 416 and 422, and a client matching on `code`
# must see the same value on every supported Python.
# --8<-- [start:error-codes]
ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "content_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}
# --8<-- [end:error-codes]
VALIDATION_ERROR_CODE = ERROR_CODES[422]
# The problems a 422 lists; its message counts them all. A body within the
# size limit can hold thousands of unknown keys, each a problem: listed in
# full, 54 KB sent to POST /users, before any authentication, came back as
# 500 KB, and took ten times the CPU of an ordinary 422.
MAX_ERROR_DETAILS = 20


def validation_message(
    problems: int, summary: str = "Request validation failed"
) -> str:
    """The message of a 422 with ``problems`` problems, saying if some are not listed."""
    if problems <= MAX_ERROR_DETAILS:
        return summary
    return f"{summary}: {problems} problems, the first {MAX_ERROR_DETAILS} listed"


# --8<-- [start:error-body]
class ErrorDetail(BaseModel):
    """One problem with one input field."""

    field: str
    message: str
    type: str


class ErrorInfo(BaseModel):
    """What went wrong."""

    code: str
    message: str
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    """The body of every error response (documented in OpenAPI as such)."""

    error: ErrorInfo
    # --8<-- [end:error-body]


def error_code(status: int) -> str:
    """Machine-readable code for an HTTP status: 404 -> ``not_found``."""
    return ERROR_CODES.get(status, f"http_{status}")


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: list[ErrorDetail] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a response carrying the common error body."""
    body = ErrorResponse(
        error=ErrorInfo(
            code=code or error_code(status), message=message, details=details or []
        )
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _internal_error() -> JSONResponse:
    # Never the exception text: it may hold SQL, paths or secrets.
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")


def _log_unhandled(scope: Scope, exc: BaseException) -> None:
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"method": scope.get("method"), "path": scope.get("path")},
    )


# --8<-- [start:database-unavailable]
# SQLSTATEs that mean "the database cannot serve you right now", by class:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (statement timeout, server shutting down), and
# the server refusing the connection itself: class 28, invalid authorization
# (a wrong password, a role that does not exist or may not log in), and
# 3D000, the database does not exist. Those are a deployment's mistake, not
# the request's: the request was fine, this replica cannot reach its data,
# and its readiness probe already says so. A 500 would call every request a
# bug and log a traceback for each; a 503 sends the client to retry, as on
# another replica or once the credentials are put right.
_UNAVAILABLE_SQLSTATES = ("08", "28", "3D000", "53", "57")


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is down, stuck, saturated, or
    refuses this replica's connection.

    Those are 503s: the request was fine and may succeed when retried.
    Anything else from the database is a bug, answered with a 500.
    """
    if isinstance(exc, PoolTimeoutError):  # no free pooled connection in time
        return True
    if isinstance(exc, OSError):
        # Refused or timed out: SQLAlchemy passes asyncpg's OSErrors on
        # unwrapped (a timeout from connect, pre-ping and statements alike).
        # Any other OSError (a missing file, an asyncio.timeout around
        # something else) is a bug like any other.
        return raised_by_the_driver(exc)
    if isinstance(exc, DBAPIError):
        # A connection that closes under a request comes wrapped, marked
        # connection_invalidated: SQLSTATE 08003 if it closed during a
        # statement, none if asyncpg had already seen it close.
        sqlstate = sqlstate_of(exc) or ""
        return exc.connection_invalidated or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    return False


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE of the driver's error ``exc`` wraps, if it has one."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def raised_by_the_driver(exc: BaseException) -> bool:
    """Whether asyncpg's code is on ``exc``'s traceback, where it was raised."""
    return any(
        frame.f_globals.get("__name__", "").startswith("asyncpg.")
        for frame, _ in traceback.walk_tb(exc.__traceback__)
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if not is_database_unavailable(exc):
        _log_unhandled(request.scope, exc)
        return _internal_error()
    # Expected during an outage: a warning with the cause, not a traceback.
    # The SQLSTATE, where there is one, says which: 28P01 a wrong password.
    cause = {"error": type(exc).__name__}
    if sqlstate := sqlstate_of(exc):
        cause["sqlstate"] = sqlstate
    logger.warning("database unavailable", extra={**cause, "path": request.url.path})
    # Retrying cures it, so it says when, as the readiness probe's 503 does.
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "Database unavailable",
        headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)},
    )
    # --8<-- [end:database-unavailable]


def _handles[E: Exception](
    handler: Callable[[Request, E], Awaitable[JSONResponse]],
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """Type a handler of one exception class as Starlette's registry wants it.

    Starlette types every handler as taking any ``Exception``; it calls each
    one only with the class it was registered for.
    """
    return cast("Callable[[Request, Exception], Awaitable[JSONResponse]]", handler)


# --8<-- [start:error-handlers]
async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    status = next(
        (code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind)),
        None,
    )
    if status is None:
        # An unmapped DomainError is our bug: a 500, logged with its traceback.
        _log_unhandled(request.scope, exc)
        return _internal_error()
    headers = {}
    # RFC 9110: a 401 must say which authentication scheme would work.
    if status == HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    # A 429 or 503 that retrying cures says when (RFC 9110, section 10.2.3).
    if exc.retry_after_seconds is not None:
        headers["Retry-After"] = str(exc.retry_after_seconds)
    return error_response(status, exc.message, headers=headers or None)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    # Only location, message and type: pydantic's `input` would echo
    # passwords back, and its `ctx` may hold objects JSON cannot encode.
    details = [
        ErrorDetail(
            field=".".join(str(part) for part in error["loc"]),
            message=error["msg"],
            type=error["type"],
        )
        for error in errors[:MAX_ERROR_DETAILS]
    ]
    message = validation_message(len(errors))
    return error_response(422, message, code=VALIDATION_ERROR_CODE, details=details)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    headers = dict(exc.headers or {})
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return error_response(exc.status_code, str(exc.detail), headers=headers or None)


def register_exception_handlers(app: FastAPI) -> None:
    """Route every kind of failure to the common error body."""
    app.add_exception_handler(DomainError, _handles(_domain_error))
    app.add_exception_handler(UnprocessableError, _handles(_unprocessable))
    app.add_exception_handler(RequestValidationError, _handles(_validation_error))
    app.add_exception_handler(StarletteHTTPException, _handles(_http_error))
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(OSError, _database_error)
    # --8<-- [end:error-handlers]
    # Anything else is caught by UnhandledErrorMiddleware, not by a handler
    # for Exception: Starlette sends that handler's response and then
    # re-raises the exception to the server, which logs it again (uvicorn's
    # "Exception in ASGI application"), so every 500 would be logged twice.


async def _unprocessable(_: Request, exc: UnprocessableError) -> JSONResponse:
    """A rule a service checks, failed: a validation error like the schema's.

    A service is handed the request body's schema, so the fields it names
    lie in the body, and are named the way the schema's errors name them.
    """
    details = [
        ErrorDetail(
            field=".".join(str(part) for part in ("body", *problem.loc)),
            message=problem.message,
            type=problem.type,
        )
        for problem in exc.problems[:MAX_ERROR_DETAILS]
    ]
    message = validation_message(len(exc.problems), exc.message)
    return error_response(422, message, details=details)  # validation_error


# Methods a resource of this API could support, probed one by one for Allow.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts for this path (the ``Allow`` header).

    Starlette answers 405 with the methods of the first route whose path
    matched; a path served by several routes (GET and POST on ``/orders``)
    needs all of them. Each method is matched against the app's routes.
    """
    return [
        method
        for method in _METHODS
        if any(
            # HeadAsGetMiddleware serves HEAD wherever GET is served.
            route.matches({**request.scope, "method": _routed_as(method)})[0]
            == Match.FULL
            for route in request.app.router.routes
        )
    ]


def _routed_as(method: str) -> str:
    return "GET" if method == "HEAD" else method


# --8<-- [start:unhandled-middleware]
class UnhandledErrorMiddleware:
    """Answer any exception nothing else handled with a 500, and log it once.

    It sits inside the CORS middleware, so a browser can read the 500 (a
    response without CORS headers looks like a network failure), and it does
    not re-raise, so the server does not log the same error again. Only an
    error after the response has started goes on to the server. A request
    the server cancels before it answered gets a 503 in the same body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, turning an escaped exception into a logged 500."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = ResponseStatus(send)
        try:
            await self.app(scope, receive, status.send)
        except Exception as exc:
            if status.started:
                # Too late for a 500: only the server can cut the connection
                # short, so the client sees a broken response, not a short
                # one that looks complete. The server logs it.
                raise
            _log_unhandled(scope, exc)
            await _internal_error()(scope, receive, send)
        except asyncio.CancelledError as exc:
            # Not an Exception: the server gave up on the request, or a bug.
            if status.started:
                raise
            await _answer_cancelled(scope, receive, send, exc)

    # --8<-- [end:unhandled-middleware]


# Seconds a client waits before sending again a request the shutdown cut:
# a replica that is not shutting down, or this one restarted, can take it.
SHUTDOWN_RETRY_AFTER_SECONDS = 1


async def _answer_cancelled(
    scope: Scope, receive: Receive, send: Send, exc: asyncio.CancelledError
) -> None:
    """Answer a request cancelled before its response started with a 503.

    uvicorn cancels the requests still running when --timeout-graceful-shutdown
    is over. Without this, uvicorn answered its own plain-text 500.

    Only a cancel of this request's own task is that: a CancelledError from
    awaiting a task that something else cancelled is a bug like any other,
    a logged 500, not a 503 that tells the client to retry.

    The cancel is not re-raised. uvicorn 0.54 does not wait for the tasks it
    cancels (Server.shutdown goes straight on to the lifespan's shutdown), so
    a request that returns holds nothing up. Raised, the CancelledError
    reaches uvicorn's run_asgi, which logs it as "Exception in ASGI
    application", with the traceback, and closes the connection: the answer
    just sent would be logged as a crash. The cancel is taken back
    (uncancel), so nothing that runs after this in the task sees it pending.
    """
    task = asyncio.current_task()
    if task is None or not task.cancelling():
        _log_unhandled(scope, exc)
        await _internal_error()(scope, receive, send)
        return
    task.uncancel()
    logger.warning(
        "request cancelled before its response started",
        extra={"method": scope.get("method"), "path": scope.get("path")},
    )
    await _cancelled()(scope, receive, send)


def _cancelled() -> JSONResponse:
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "The server stopped before answering; retry the request",
        # This connection is the one going away.
        headers={
            "Connection": "close",
            "Retry-After": str(SHUTDOWN_RETRY_AFTER_SECONDS),
        },
    )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorResponse, "description": "Client error"},
    "5XX": {"model": ErrorResponse, "description": "Server error"},
}
"""OpenAPI ``responses=`` entry documenting the error body on a router."""
