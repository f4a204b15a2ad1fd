"""Request IDs: one per HTTP request, echoed in the response and in every log line.

A caller (or the proxy in front of the service) may send ``X-Request-ID``;
a well-formed one is kept so that one ID follows the request across
services. Anything else is replaced by a fresh one: the header is input, and
a log field must not carry whatever a client chose to put there.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"

# --8<-- [start:request-id]
# Letters, digits and - _ . :, at most 128 characters: UUIDs, ULIDs and the IDs
# proxies generate fit; line breaks, quotes and log-sized blobs do not.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# Where an exception that leaves a request keeps that request's ID.
_ATTRIBUTE = "shop_request_id"


def accept_or_generate(header_value: str | None) -> str:
    """The caller's request ID if it is well-formed, else a new one.

    >>> accept_or_generate("7f3c9a2e-checkout")
    '7f3c9a2e-checkout'
    >>> accept_or_generate('bad"id\\nforged log line') != 'bad"id\\nforged log line'
    True
    """
    if header_value is not None and _WELL_FORMED.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give each HTTP request an ID, set it for the request's logs, and echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its ID in ``request_id_var``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = dict(scope["headers"]).get(HEADER.lower().encode())
        request_id = accept_or_generate(
            received.decode("latin-1") if received is not None else None
        )

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_request_id)
        except BaseException as exc:
            # One raised after the response started goes on to the server,
            # which logs its traceback once this middleware has reset the
            # variable: the exception carries the ID to that line. (Every
            # exception has a __dict__, __slots__ or not: BaseException's.)
            setattr(exc, _ATTRIBUTE, request_id)
            raise
        finally:
            request_id_var.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Add ``request_id`` to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the request's ID; records outside requests get none.

        The request is the current one, or, for the server's traceback of an
        exception that left a request, the one the exception left.
        """
        request_id = request_id_var.get()
        if request_id is None and record.exc_info:
            request_id = getattr(record.exc_info[1], _ATTRIBUTE, None)
        if request_id is not None:
            record.request_id = request_id
        return True
        # --8<-- [end:request-id]
