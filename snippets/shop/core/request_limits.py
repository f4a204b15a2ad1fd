"""A bound on request bodies, enforced before they are read into memory."""

from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.core.errors import error_response


# --8<-- [start:body-limit]
class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with a 413, badly framed ones with a 400.

    A declared ``Content-Length`` over the limit is refused before a byte of
    the body is read. A chunked body is counted message by message as the
    server hands it over, and refused with the message that passes the
    limit: the app gets at most the limit, and memory holds at most that
    plus the one message, however large the upload.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes that arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            declared = declared_length(scope["headers"])
        except ValueError as problem:
            # RFC 9112: an invalid length MUST be a 400, then a closed
            # connection (section 6.3); with Transfer-Encoding too, the
            # server MAY refuse and MUST close after answering (6.1). Both
            # are a 400 that closes, since where this body ends, and the
            # next request starts, is not known for sure.
            refusal = error_response(
                HTTPStatus.BAD_REQUEST, str(problem), headers={"Connection": "close"}
            )
            await refusal(scope, receive, send)
            return
        if declared > self.max_bytes:
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


# --8<-- [start:framing]
def declared_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The body length a request declares in ``Content-Length``; 0 without one.

    ``ValueError`` for framing RFC 9112 calls invalid: ``Content-Length``
    together with ``Transfer-Encoding`` (a request-smuggling pattern), or a
    length that is not one decimal number. A list of equal numbers
    (``5, 5``, or two such headers) is that number (section 6.3).
    """
    names = {name for name, _ in headers}
    if {b"content-length", b"transfer-encoding"} <= names:
        raise ValueError("Content-Length and Transfer-Encoding together")
    lengths = {
        length.strip()
        for name, value in headers
        if name == b"content-length"
        for length in value.split(b",")
    }
    if not lengths:
        return 0
    if len(lengths) > 1 or not (length := lengths.pop()).isdigit():
        raise ValueError("Malformed Content-Length")
    return int(length)
    # --8<-- [end:framing]
