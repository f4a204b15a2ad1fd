"""Structured logging: one JSON object per line (``shop.core.observe`` logs each request)."""

import json
import logging
import sys
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from shop.core.redaction import redact_database_errors

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


def configure_logging(level: str, *filters: logging.Filter) -> None:
    """Send the service's logs, the server's, and other libraries' warnings
    to stdout as JSON lines; ``filters`` go on each handler (the request ID's).

    Replaces its handlers rather than adding more, so creating several apps
    (as tests do) never duplicates lines.
    """
    handler = _json_handler(filters)
    for name in (LOGGER_NAME, *SERVER_LOGGER_NAMES):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        # The service owns its output format; the root logger's handlers, if
        # a host configured any, would print every line a second time.
        logger.propagate = False
    logging.getLogger(LOGGER_NAME).setLevel(level)
    # Other libraries' warnings and errors too, which Python's last resort
    # would print as plain text.
    _json_warnings_from_libraries(_json_handler(filters))
    # uvicorn's access lines repeat ours (ObserveMiddleware) in plain text.
    logging.getLogger("uvicorn.access").disabled = True
    # --8<-- [end:json-formatter]


def _json_handler(filters: tuple[logging.Filter, ...]) -> logging.Handler:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    for log_filter in filters:
        handler.addFilter(log_filter)
    return handler


def _json_warnings_from_libraries(handler: logging.Handler) -> None:
    """Every other library's records (python-multipart's, asyncio's) end at
    the root logger. With no handler there, Python's last resort prints its
    warnings and errors to stderr as plain text; ``handler`` writes the same
    ones as JSON. It replaces the one an earlier call installed; handlers
    others put on the root (a host's, pytest's) stay."""
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    for installed in root.handlers[:]:
        if isinstance(installed.formatter, JsonFormatter):
            root.removeHandler(installed)
    root.addHandler(handler)
