"""HTTP details every response and every GET route owe their clients."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


# --8<-- [start:response-headers]
class ResponseHeadersMiddleware:
    """Headers on every response, errors and refused preflights included.

    * ``X-Content-Type-Options: nosniff``: a browser uses the declared
      ``Content-Type`` and never guesses another (a JSON error body run as
      HTML or script).
    * ``Cache-Control: no-store`` (and HTTP/1.0's ``Pragma: no-cache``) on
      every response whose endpoint chose no caching policy itself: tokens
      (RFC 6749, section 5.1) and personal data stay out of every cache. An
      endpoint that wants revalidation says so (``GET /orders/{order_id}``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_headers)
        # --8<-- [end:response-headers]


class HeadAsGetMiddleware:
    """Answer ``HEAD`` on every GET route: the GET's status and headers, no body.

    RFC 9110 (section 9.3.2) asks a server that answers GET to answer HEAD
    the same way, without the content. FastAPI's ``@router.get`` routes
    accept GET only, so HEAD was a 405. The request runs as a GET; the
    body is dropped on the way out, ``Content-Length`` kept.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run a HEAD request as a GET and send only its status and headers."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # In place, so the route the router records is seen by the metrics
        # outside; restored, so the access log and the metrics say HEAD.
        scope["method"] = "GET"
        try:
            await self.app(scope, receive, send_without_body)
        finally:
            scope["method"] = "HEAD"
