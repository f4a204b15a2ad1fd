"""One access-log line and the request metrics, from one timing of each request."""

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from shop.core.logging import ACCESS_LOGGER_NAME
from shop.core.metrics import HttpMetrics, method_label, route_label
from shop.core.response_status import ResponseStatus
from shop.shared.state import lifespan_resource


# --8<-- [start:observe]
class ObserveMiddleware:
    """Time every HTTP request once; log it and count it in the metrics.

    A plain ASGI middleware rather than ``@app.middleware("http")``: it times a
    streaming response to its last byte (``call_next`` returns at the first),
    and it runs in the request's own task (``call_next`` runs the endpoint in
    another, so context variables the endpoint sets never come back).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.access_log = logging.getLogger(ACCESS_LOGGER_NAME)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI event, observing it when it is an HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = lifespan_resource(scope, "metrics", HttpMetrics)
        status = ResponseStatus(send)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, status.send)
        finally:
            seconds = time.perf_counter() - started
            self.access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status.code,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            # Every label is bounded: a known method or "other", a route
            # template or "<unmatched>", and a status the app itself chose.
            labels = (method_label(scope), route_label(scope), str(status.code))
            metrics.requests.labels(*labels).inc()
            metrics.duration.labels(*labels).observe(seconds)
            # --8<-- [end:observe]
