"""CORS, with refusals in the common error body."""

from collections.abc import Sequence
from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.core.errors import error_response


# --8<-- [start:cors-middleware]
class JsonCORSMiddleware:
    """Starlette's CORS middleware, answering a refused preflight in JSON.

    Starlette refuses a preflight with a plain-text 400; every other error
    of the service uses the common error body, and clients parse just that.
    This wraps ``CORSMiddleware`` through its ASGI interface only and
    rewrites that one answer, so it depends on no method of Starlette's
    class, only on what the middleware sends.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str],
        allow_headers: Sequence[str],
        expose_headers: Sequence[str],
    ) -> None:
        self.cors: ASGIApp = CORSMiddleware(
            app,
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request to CORS; turn a refused preflight into the common body."""
        # CORSMiddleware answers a preflight itself, never calling the app:
        # an error status on one is its refusal. Anything else passes as is.
        if scope["type"] != "http" or not _is_preflight(scope):
            await self.cors(scope, receive, send)
            return
        refusal: Message | None = None
        body = bytearray()

        async def send_refusals_as_json(message: Message) -> None:
            nonlocal refusal
            if (
                message["type"] == "http.response.start"
                and message["status"] >= HTTPStatus.BAD_REQUEST
            ):
                refusal = message
                return
            if refusal is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            response = error_response(
                refusal["status"], body.decode(), code="cors_rejected"
            )
            # Vary: Origin and the allow-* headers still describe the policy.
            for name, value in Headers(raw=refusal["headers"]).items():
                if name not in ("content-length", "content-type"):
                    response.headers[name] = value
            await response(scope, receive, send)

        await self.cors(scope, receive, send_refusals_as_json)


def _is_preflight(scope: Scope) -> bool:
    """A CORS preflight, as CORSMiddleware recognises one; it answers those itself."""
    headers = Headers(scope=scope)
    return (
        scope["method"] == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )
    # --8<-- [end:cors-middleware]
