"""A bound on request bodies, enforced before they are read into memory."""

from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.core.errors import error_response


# --8<-- [start:body-limit]
class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with a 413.

    A declared ``Content-Length`` over the limit is refused before a byte of
    the body is read. A chunked body is counted as it arrives and refused
    once it passes the limit, so memory never holds more than the limit
    however large the upload.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes that arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return

        received = 0

        async def receive_counting() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI passes an HTTPException from the body read through
                # to the error handlers, which answer in the common body.
                raise HTTPException(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self._message)
            return message

        await self.app(scope, receive_counting, send)

    @property
    def _message(self) -> str:
        return f"Request body larger than {self.max_bytes} bytes"

    def _too_large(self) -> ASGIApp:
        return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self._message)

    # --8<-- [end:body-limit]
