"""Prometheus metrics: request duration and count, by method, route and status.

Each app has its own ``CollectorRegistry`` (on ``app.state``), so creating
several apps in one process, as the tests do, never registers a metric twice.
"""

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from shop.core.response_status import ResponseStatus

# The label of requests no route matched: one value for every unknown path,
# so a scanner probing random URLs cannot create a series per URL.
UNMATCHED_ROUTE = "<unmatched>"


# --8<-- [start:http-metrics]
class HttpMetrics:
    """The two metrics every HTTP service needs, registered in one registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        labels = ("method", "route", "status")
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status.",
            labels,
            registry=registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time from request received to response finished.",
            labels,
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


def route_label(scope: Scope) -> str:
    """The route template (``/orders/{order_id}``), never the raw path."""
    route: BaseRoute | None = scope.get("route")
    return getattr(route, "path", UNMATCHED_ROUTE)


class MetricsMiddleware:
    """Count and time every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Observe one request once the app has routed and answered it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = ResponseStatus(send)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, status.send)
        finally:
            labels = (scope["method"], route_label(scope), str(status.code))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.duration.labels(*labels).observe(time.perf_counter() - started)
            # --8<-- [end:http-metrics]


# --8<-- [start:metrics-endpoint]
router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The app's metrics in the Prometheus text exposition format."""
    http_metrics: HttpMetrics = request.app.state.metrics
    return Response(
        generate_latest(http_metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
    # --8<-- [end:metrics-endpoint]
