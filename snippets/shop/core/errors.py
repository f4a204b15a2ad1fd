"""One error body for every failure, whoever raised it.

Every 4xx and 5xx response has the shape::

    {"error": {"code": "not_found", "message": "Order not found", "details": []}}

``code`` is stable and machine-readable; ``message`` is for humans;
``details`` lists field problems for validation errors and is empty otherwise.
"""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from shop.shared.exceptions import (
    ConflictError,
    DomainError,
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
    UnauthorizedError,
)

logger = logging.getLogger(__name__)

_DOMAIN_STATUS: dict[type[DomainError], HTTPStatus] = {
    NotFoundError: HTTPStatus.NOT_FOUND,
    ConflictError: HTTPStatus.CONFLICT,
    UnauthorizedError: HTTPStatus.UNAUTHORIZED,
    ForbiddenError: HTTPStatus.FORBIDDEN,
    ServiceUnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
}
# 422's reason phrase changed in Python 3.13 ("Unprocessable Entity" became
# "Unprocessable Content"); the code clients match on must not.
VALIDATION_ERROR_CODE = "validation_error"


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
    return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")


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


# --8<-- [start:error-handlers]
async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
    # An unmapped DomainError subclass is a bug here, not the client's fault.
    status = next(
        (code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind)),
        HTTPStatus.INTERNAL_SERVER_ERROR,
    )
    # RFC 9110: a 401 must say which authentication scheme would work.
    headers = (
        {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
    )
    return error_response(status, exc.message, headers=headers)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    # Only location, message and type: pydantic's `input` would echo
    # passwords back, and its `ctx` may hold objects JSON cannot encode.
    details = [
        ErrorDetail(
            field=".".join(str(part) for part in error["loc"]),
            message=error["msg"],
            type=error["type"],
        )
        for error in exc.errors()
    ]
    return error_response(
        422,
        "Request validation failed",
        code=VALIDATION_ERROR_CODE,
        details=details,
    )


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    return error_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )
    # Never the exception text: it may hold SQL, paths or secrets.
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")


def register_exception_handlers(app: FastAPI) -> None:
    """Route every kind of failure to the common error body."""
    # Starlette types handlers as taking any Exception; each of these is
    # only ever called with the class it is registered for.
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unhandled_error)
    # --8<-- [end:error-handlers]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorResponse, "description": "Client error"},
    "5XX": {"model": ErrorResponse, "description": "Server error"},
}
"""OpenAPI ``responses=`` entry documenting the error body on a router."""
