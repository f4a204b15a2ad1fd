"""Distributed tracing with OpenTelemetry.

The app only creates spans; where they go is the deployment's choice. With
the API's default (no-op) tracer provider, nothing is recorded and the cost
is negligible; a process that installs an SDK ``TracerProvider`` with an
exporter (or runs under ``opentelemetry-instrument``) gets every request as
a span, joined to the caller's trace by the W3C ``traceparent`` header.
"""

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import TracerProvider


# --8<-- [start:instrument]
def instrument(app: FastAPI, tracer_provider: TracerProvider | None = None) -> None:
    """Trace every request except the probes, named by route template.

    ``tracer_provider=None`` uses the global provider, set by the deployment.
    """
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        # Probes every few seconds would drown the traces that matter.
        excluded_urls="/health,/metrics",
        # One span per request: no extra spans per ASGI send/receive event.
        exclude_spans=["receive", "send"],
    )
    # --8<-- [end:instrument]
