"""Evidence for OPS-TRACING: each request is one OpenTelemetry server span,
named by its route template and joined to the caller's trace."""

import subprocess
import sys
from typing import Any

import pytest
from fastapi import FastAPI, Request
from httpx import ASGITransport, AsyncClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.tracing import UNTRACED_PATHS
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "operations" / "tracing.md"

CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"


def the_one_span(spans: InMemorySpanExporter) -> ReadableSpan:
    """The only span finished so far: a failed assertion if there are more or none."""
    finished = spans.get_finished_spans()
    assert len(finished) == 1, [span.name for span in finished]
    return finished[0]


# --8<-- [start:server-span]
async def test_a_request_is_one_server_span_named_by_its_route(
    spans: InMemorySpanExporter, client: AsyncClient, alice: dict[str, Any]
) -> None:
    spans.clear()

    response = await client.get("/orders/12345", headers=alice["headers"])

    span = the_one_span(spans)
    assert response.status_code == 404
    assert span.name == "GET /orders/{order_id}"
    assert span.kind == SpanKind.SERVER
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/orders/{order_id}"
    assert span.attributes["http.status_code"] == 404
    # --8<-- [end:server-span]


# --8<-- [start:traceparent]
async def test_a_request_joins_the_trace_of_the_caller(
    spans: InMemorySpanExporter, client: AsyncClient, alice: dict[str, Any]
) -> None:
    spans.clear()
    # W3C Trace Context, as the calling service's instrumentation sends it.
    traceparent = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"

    await client.get(
        "/users/me", headers={**alice["headers"], "traceparent": traceparent}
    )

    span = the_one_span(spans)
    assert span.context is not None
    assert span.parent is not None
    assert f"{span.context.trace_id:032x}" == CALLER_TRACE_ID
    assert f"{span.parent.span_id:016x}" == CALLER_SPAN_ID
    # --8<-- [end:traceparent]


# --8<-- [start:probes]
async def test_the_probes_are_not_traced(
    spans: InMemorySpanExporter, client: AsyncClient
) -> None:
    spans.clear()

    # Each is a route of the app: a path it does not serve would be a 404.
    responses = [await client.get(path) for path in UNTRACED_PATHS]

    assert [r.status_code for r in responses] == [200] * len(UNTRACED_PATHS)
    assert spans.get_finished_spans() == ()


@pytest.mark.parametrize(
    ("path", "host"),
    [
        ("/orders/healthy", "shop.example"),  # contains "/health"
        ("/users/metrics-team", "shop.example"),  # contains "/metrics"
        ("/health/live/", "shop.example"),  # a probe's path and more
        ("/orders/health/live", "shop.example"),  # more, then a probe's path
        ("/health/live%0A", "shop.example"),  # a final newline: `$` allows it
        ("/products", "t/health/live"),  # the probe's path in the Host header
        ("/products", "t/metrics"),
    ],
)
async def test_a_request_that_only_looks_like_a_probe_is_traced(
    spans: InMemorySpanExporter, client: AsyncClient, path: str, host: str
) -> None:
    spans.clear()

    await client.get(path, headers={"Host": host})

    span = the_one_span(spans)
    assert span.kind == SpanKind.SERVER
    # --8<-- [end:probes]


@pytest.mark.parametrize(("flags", "recorded"), [("01", 1), ("00", 0)])
async def test_the_callers_sampled_flag_decides_whether_a_request_is_recorded(
    spans: InMemorySpanExporter, client: AsyncClient, flags: str, recorded: int
) -> None:
    """What any client of an edge service can send: its own trace ID and flag."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    assert provider.sampler.get_description().startswith(
        "ParentBased{root:AlwaysOnSampler"
    )  # the SDK's default
    spans.clear()

    await client.get(
        "/products",
        headers={"traceparent": f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-{flags}"},
    )

    finished = spans.get_finished_spans()
    assert len(finished) == recorded
    for span in finished:
        assert span.context is not None
        assert f"{span.context.trace_id:032x}" == CALLER_TRACE_ID
    assert "its sampled flag decides whether the request is recorded" in prose(PAGE)


HAND_MADE = "shop.orders"  # the hand-made spans' tracer


def _orders_app_with_hand_made_spans() -> FastAPI:
    """The Don't: no instrumentor, a span started in the handler and named
    by the raw path."""
    app = FastAPI()
    tracer = trace.get_tracer(HAND_MADE)

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int, request: Request) -> dict[str, int]:
        with tracer.start_as_current_span(f"GET {request.url.path}"):
            return {"id": order_id}

    return app


def _hand_made(spans: InMemorySpanExporter) -> list[str]:
    """The names of the hand-made spans. FastAPI (0.165) records spans of
    its own too, under its own scope; they are not the Don't's."""
    return [
        span.name
        for span in spans.get_finished_spans()
        if span.instrumentation_scope is not None
        and span.instrumentation_scope.name == HAND_MADE
    ]


async def test_hand_made_spans_miss_404s_and_validation_errors_and_name_each_order(
    spans: InMemorySpanExporter,
) -> None:
    transport = ASGITransport(app=_orders_app_with_hand_made_spans())
    async with AsyncClient(transport=transport, base_url="http://shop.test") as c:
        spans.clear()
        unrouted = await c.get("/orders/12345/notes")  # no route: a 404
        invalid = await c.get("/orders/twelve")  # no int: a 422
        assert (unrouted.status_code, invalid.status_code) == (404, 422)
        assert _hand_made(spans) == []  # the handler never ran

        for order_id in (1, 2, 3):
            assert (await c.get(f"/orders/{order_id}")).status_code == 200

    # One operation per order, where the route template would make one.
    assert _hand_made(spans) == ["GET /orders/1", "GET /orders/2", "GET /orders/3"]


def test_the_page_names_the_untraced_paths() -> None:
    names = ", ".join(f"`{path}`" for path in UNTRACED_PATHS[:-1])
    assert f"{names} and `{UNTRACED_PATHS[-1]}`, the paths the app routes" in prose(
        PAGE
    )


@pytest.mark.usefixtures("spans")  # installs the SDK provider first
def test_the_global_provider_cannot_be_replaced_as_the_page_says(
    caplog: pytest.LogCaptureFixture,
) -> None:
    installed = trace.get_tracer_provider()

    trace.set_tracer_provider(TracerProvider())

    assert trace.get_tracer_provider() is installed
    assert "Overriding of current TracerProvider is not allowed" in caplog.text
    assert "`trace.set_tracer_provider` refuses to replace one" in prose(PAGE)


WITHOUT_A_PROVIDER = """
import asyncio
from httpx import ASGITransport, AsyncClient
from opentelemetry import trace
from shop.core.config import Settings
from shop.core.main import create_app, lifespan

settings = Settings(
    _env_file=None, database_url="postgresql://shop@127.0.0.1:1/shop", jwt_secret="x" * 32
)
app = create_app(settings)
recording = []

@app.get("/probe-span")
async def probe_span() -> None:
    recording.append(trace.get_current_span().is_recording())

async def main() -> None:
    async with lifespan(settings) as state:
        async def served(scope, receive, send):  # what uvicorn does with the state
            await app({**scope, "state": dict(state)}, receive, send)

        transport = ASGITransport(app=served)
        async with AsyncClient(transport=transport, base_url="http://t") as c:
            await c.get("/probe-span")
    print(type(trace.get_tracer_provider()).__name__, recording)

asyncio.run(main())
"""


def test_without_an_installed_provider_nothing_is_recorded() -> None:
    # A fresh process: this one has the tests' SDK provider installed for good.
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_A_PROVIDER],
        cwd=REPO_ROOT / "snippets",
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.splitlines()[-1] == "ProxyTracerProvider [False]"
    assert "the API's default provider records nothing" in prose(PAGE)


async def test_fastapi_itself_traces_each_request_once_a_provider_is_installed(
    spans: InMemorySpanExporter,
) -> None:
    """FastAPI 0.165 has tracing of its own: without the instrumentation
    package, each request is still a server span joined to the caller."""
    app = FastAPI()

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int) -> dict[str, int]:
        return {"id": order_id}

    traceparent = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"
    seen = []
    async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as c:
        for path in ["/orders/7", "/orders/seven", "/nowhere"]:
            spans.clear()
            response = await c.get(path, headers={"traceparent": traceparent})
            # One server span; FastAPI adds internal ones for its own steps.
            [span] = [
                s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER
            ]
            assert span.instrumentation_scope is not None
            assert span.instrumentation_scope.name == "fastapi"
            assert span.context is not None
            assert f"{span.context.trace_id:032x}" == CALLER_TRACE_ID
            seen.append((response.status_code, span.name))

    assert seen == [
        (200, "GET /orders/{order_id}"),
        (422, "GET /orders/{order_id}"),
        (404, "GET"),
    ]
    assert "FastAPI itself (0.165, the version locked here)" in prose(PAGE)


async def test_fastapi_itself_can_leave_requests_out(
    spans: InMemorySpanExporter,
) -> None:
    """FastAPI 0.165's own option: a function of the ASGI scope, True to skip."""
    app = FastAPI(telemetry={"exclude": lambda scope: scope["path"] == "/health/live"})

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int) -> dict[str, int]:
        return {"id": order_id}

    async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as c:
        spans.clear()
        assert (await c.get("/health/live")).status_code == 200
        assert spans.get_finished_spans() == ()

        assert (await c.get("/orders/7")).status_code == 200
        [span] = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
        assert span.name == "GET /orders/{order_id}"
    assert 'FastAPI(telemetry={"exclude": ...})' in prose(PAGE)
