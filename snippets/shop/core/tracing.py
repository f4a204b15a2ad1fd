"""Distributed tracing with OpenTelemetry.

The app only creates spans; where they go is the deployment's choice. With
the API's default (no-op) tracer provider, nothing is recorded and the cost
is negligible; a process that installs an SDK ``TracerProvider`` with an
exporter (or runs under ``opentelemetry-instrument``) gets every request as
a span, joined to the caller's trace by the W3C ``traceparent`` header.
"""

import re

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import TracerProvider

# --8<-- [start:untraced]
# Called every few seconds by the orchestrator: their spans
# would drown the traces that matter. Exact paths of routes this app serves.
UNTRACED_PATHS = ("/health/live", "/health/ready")


def excluded_urls(paths: tuple[str, ...]) -> str:
    """The instrumentation's ``excluded_urls`` for exactly these paths.

    It searches each pattern in ``scheme://<Host header><path>``: unanchored,
    "/health" also matches /orders/healthy, or any path sent with
    ``Host: t/health``. So each pattern is anchored at both ends, the host
    part may hold no "/", and ``\\Z`` (unlike ``$``) allows no final newline.
    """
    return ",".join(rf"^https?://[^/]*{re.escape(path)}\Z" for path in paths)
    # --8<-- [end:untraced]


# --8<-- [start:instrument]
def instrument(app: FastAPI, tracer_provider: TracerProvider | None = None) -> None:
    """Trace every request except the probes, named by route template.

    ``tracer_provider=None`` uses the global provider, set by the deployment.
    """
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls=excluded_urls(UNTRACED_PATHS),
        # One span per request: no extra spans per ASGI send/receive event.
        exclude_spans=["receive", "send"],
    )
    # --8<-- [end:instrument]
