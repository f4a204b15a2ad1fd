"""One access-log line and the request metrics, from one timing of each request."""

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from shop.core.logging import ACCESS_LOGGER_NAME
from shop.core.metrics import HttpMetrics, method_label, route_label
from shop.core.response_status import ResponseStatus
from shop.shared.state import lifespan_resource


# --8<-- [start:access-line]
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

    # --8<-- [start:observe-call]
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
            # The status line went out, the end of the body did not: an error
            # mid-stream, or a cancelled one (a shutdown's graceful timeout).
            cut = status.cut
            seconds = time.perf_counter() - started
            self.access_log.log(
                logging.ERROR if cut else logging.INFO,
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status.code,
                    "body_cut": cut,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            # --8<-- [end:access-line]
            # Every label is bounded: a known method or "other", a route
            # template or "<unmatched>", and a status the app itself chose.
            labels = (method_label(scope), route_label(scope), str(status.code))
            metrics.requests.labels(*labels).inc()
            metrics.duration.labels(*labels).observe(seconds)
            if cut:
                metrics.cut.labels(*labels).inc()
            # --8<-- [end:observe-call]
