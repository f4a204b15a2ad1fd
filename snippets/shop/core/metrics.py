"""Prometheus metrics: request duration and count, by method, route and status.

Each run of the app's lifespan creates its own ``CollectorRegistry``, so
several apps in one process, as the tests run them, never register a metric
twice. ``shop.core.observe`` records a request in them.
The metrics are served on a port of their own, never by the public app.
"""

import asyncio
import errno
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

logger = logging.getLogger(__name__)

# The label of requests no route matched: one value for every unknown path,
# so a scanner probing random URLs cannot create a series per URL.
UNMATCHED_ROUTE = "<unmatched>"


# --8<-- [start:http-metrics]
# The methods of RFC 9110 and PATCH (RFC 5789). A client may send any token
# as a method; each one it invents is counted under "other", not as a series.
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}
)
OTHER_METHOD = "other"


class HttpMetrics:
    """The two metrics every HTTP service needs, and the responses cut short."""

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
        self.cut = Counter(
            "http_responses_cut",
            "Responses the app cut short after their status (in http_requests too).",
            labels,
            registry=registry,
        )


def method_label(scope: Scope) -> str:
    """The request's method if it is a standard one, else ``other``."""
    method: str = scope["method"]
    return method if method in KNOWN_METHODS else OTHER_METHOD


def route_label(scope: Scope) -> str:
    """The route template (``/orders/{order_id}``), never the raw path."""
    route: BaseRoute | None = scope.get("route")
    if route is None:
        # A middleware answered before routing (a 413, a CORS preflight).
        return matching_template(scope)
    return getattr(route, "path", UNMATCHED_ROUTE)
    # --8<-- [end:http-metrics]


def matching_template(scope: Scope) -> str:
    """The template of the route the router would have chosen for ``scope``.

    Chosen as Starlette's router chooses: the first route matching path and
    method, else the first matching the path alone (the router answers it
    with a 405, labelled with that route). So a refused ``POST /orders``, or
    an ``OPTIONS /orders`` preflight, is labelled ``/orders``, as it would
    be had it reached the route; a path no route matches stays unmatched.
    Runs only for requests that never reached the router, and the 404s.
    """
    routes = getattr(scope.get("app"), "routes", [])
    partial = UNMATCHED_ROUTE
    # FastAPI nests each included router's routes; iter_route_contexts
    # yields them one by one, each with its full template as ``path``.
    for route in iter_route_contexts(routes):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route.path or UNMATCHED_ROUTE
        if match is Match.PARTIAL and partial == UNMATCHED_ROUTE:
            partial = route.path or UNMATCHED_ROUTE
    return partial


# --8<-- [start:metrics-endpoint]
@asynccontextmanager
async def serve_metrics(
    metrics: HttpMetrics, host: str, port: int | None
) -> AsyncIterator[int | None]:
    """Serve ``/metrics`` on ``host:port`` while the app runs; yield the port.

    A separate listener, not a route of the app: the public port, and the
    proxy in front of it, never serve the metrics. prometheus_client's own
    server runs in a thread. ``port=None`` serves nothing; ``0`` picks a free
    port (the tests use it).
    """
    if port is None:
        yield None
        return
    try:
        server, thread = start_http_server(port, host, metrics.registry)
    except OSError as error:
        # Bare, it reads "[Errno 98] Address already in use" under the app's
        # start-up: an operator would look at the API's port, not this one.
        # The fix depends on which half is wrong: a port taken or privileged,
        # or a host that is no address of this machine (or no name at all).
        if error.errno in (errno.EADDRINUSE, errno.EACCES):
            fix = "choose another port, or unset METRICS_PORT"
        else:
            fix = "set METRICS_HOST to an address of this machine (0.0.0.0 for all)"
        raise OSError(
            error.errno,
            f"cannot serve metrics on {host}:{port} (METRICS_HOST, METRICS_PORT): "
            f"{error.strerror}; {fix}",
        ) from error
    logger.info(
        "metrics served",
        extra={"metrics_url": f"http://{host}:{server.server_port}/metrics"},
    )
    try:
        yield server.server_port
    finally:
        # shutdown() waits for the serving loop to notice (up to 0.5 s):
        # in a thread, so the event loop is not blocked meanwhile.
        await asyncio.to_thread(server.shutdown)
        server.server_close()
        thread.join()
        # --8<-- [end:metrics-endpoint]
