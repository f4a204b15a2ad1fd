"""Structured logging: one JSON object per line, and one line per request."""

import json
import logging
import sys
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from shop.core.redaction import redact_database_errors
from shop.core.response_status import ResponseStatus

LOGGER_NAME = "shop"
ACCESS_LOGGER_NAME = "shop.access"
# The server's own start-up, shutdown and error lines.
SERVER_LOGGER_NAMES = ("uvicorn", "uvicorn.error")

# Attributes every LogRecord has; anything else came in through `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
ExcInfo = (
    tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None]
)
# uvicorn passes its message again with ANSI colour codes, for terminals.
_NOT_LOGGED = _RECORD_ATTRIBUTES | {"color_message"}


# --8<-- [start:json-formatter]
class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object, including fields passed via ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _NOT_LOGGED
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # default=str: an odd value in `extra` must not cost us the log line.
        return json.dumps(entry, default=str)

    def formatException(self, ei: ExcInfo) -> str:
        """The traceback, without the values database errors quote."""
        return redact_database_errors(super().formatException(ei), ei[1])


def configure_logging(level: str) -> None:
    """Send the service's logs, and the server's own, to stdout as JSON lines.

    Replaces the handlers of each logger rather than adding one, so creating
    several apps (as tests do) never duplicates lines.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    for name in (LOGGER_NAME, *SERVER_LOGGER_NAMES):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        # The service owns its output format; the root logger's handlers, if
        # a host configured any, would print every line a second time.
        logger.propagate = False
    logging.getLogger(LOGGER_NAME).setLevel(level)
    # uvicorn's access lines repeat ours (AccessLogMiddleware) in plain text.
    logging.getLogger("uvicorn.access").disabled = True
    # --8<-- [end:json-formatter]


# --8<-- [start:access-log]
class AccessLogMiddleware:
    """Log one line per HTTP request: method, path, status and duration.

    A plain ASGI middleware rather than ``@app.middleware("http")``: it times a
    streaming response to its last byte (``call_next`` returns at the first),
    and it runs in the request's own task (``call_next`` runs the endpoint in
    another, so context variables the endpoint sets never come back).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logger = logging.getLogger(ACCESS_LOGGER_NAME)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI event, timing it when it is an HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        status = ResponseStatus(send)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, status.send)
        finally:
            self.logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status.code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        # --8<-- [end:access-log]
