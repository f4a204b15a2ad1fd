"""Evidence for OPS-METRICS: request duration and counts by method, route
template and status, in the Prometheus text format, served on a listener of
their own and never by the public app."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from http import HTTPMethod
from typing import Any

import httpx
import promql_parser
import pytest
from dotenv import dotenv_values
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

import shop.core.main as main_module
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from shop.core.config import Settings
from shop.core.logging import configure_logging
from shop.core.main import create_app
from shop.core.metrics import KNOWN_METHODS, HttpMetrics, serve_metrics
from shop.core.observe import ObserveMiddleware
from tests.support.failing_routes import add_export_that_fails_mid_stream
from tests.support.pages import prose
from tests.support.shop_fixtures import LifespanServed, assert_error, build_app, running
from throwaway.ports import free_port

PAGE = DOCS_DIR / "principles" / "operations" / "metrics.md"


@pytest.fixture
def app(settings: Settings, session: AsyncSession) -> FastAPI:
    """The app with its metrics listener on a free port (``metrics_port=0``)."""
    return build_app(settings.model_copy(update={"metrics_port": 0}), session)


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[LifespanServed]:
    """The app started as a server starts it: one lifespan, one listener."""
    async with running(app) as served:
        yield served


@pytest.fixture
async def client(served: LifespanServed) -> AsyncIterator[AsyncClient]:
    """A client of the same running app whose listener the test scrapes."""
    transport = ASGITransport(app=served, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def metrics_url(served: LifespanServed) -> str:
    """The URL of the running app's metrics listener."""
    return f"http://127.0.0.1:{served.state['metrics_port']}/metrics"


async def _scrape(metrics_url: str) -> dict[str, list[Sample]]:
    """Samples by metric family name, parsed with Prometheus's own parser."""
    async with httpx.AsyncClient() as scraper:
        response = await scraper.get(metrics_url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(response.text)
    }


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    matching = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(matching) == 1, f"{name}{labels}: {matching}"
    return matching[0]


def _series(samples: list[Sample]) -> list[dict[str, str]]:
    return [s.labels for s in samples if s.name == "http_requests_total"]


# --8<-- [start:scrape]
async def test_requests_are_counted_and_timed_by_route_template_and_status(
    client: AsyncClient, alice: dict[str, Any], metrics_url: str
) -> None:
    for order_id in (1, 2, 3):  # three raw paths, none of them an order of Alice's
        await client.get(f"/orders/{order_id}", headers=alice["headers"])
    await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    metrics = await _scrape(metrics_url)

    not_found = {"method": "GET", "route": "/orders/{order_id}", "status": "404"}
    assert _value(metrics["http_requests"], "http_requests_total", **not_found) == 3
    duration = metrics["http_request_duration_seconds"]
    assert _value(duration, "http_request_duration_seconds_count", **not_found) == 3
    assert _value(duration, "http_request_duration_seconds_sum", **not_found) > 0
    ok = {"method": "GET", "route": "/users/{user_id}", "status": "200"}
    assert _value(metrics["http_requests"], "http_requests_total", **ok) == 1
    # No raw path became a label value: the cardinality stays bounded.
    routes = {sample.labels["route"] for sample in metrics["http_requests"]}
    assert not any(route.startswith("/orders/1") for route in routes)
    # --8<-- [end:scrape]


async def test_unknown_paths_share_one_label_value(
    client: AsyncClient, metrics_url: str
) -> None:
    for path in ("/wp-admin", "/.env", "/admin/login.php"):
        await client.get(path)

    metrics = await _scrape(metrics_url)

    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert _value(metrics["http_requests"], "http_requests_total", **unmatched) == 3


# A CORS preflight from the origin the test settings allow, and a declared
# body over the 64 KiB limit: both answered by a middleware, before routing.
PREFLIGHT = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
TOO_LARGE = b"x" * (96 * 1024)


async def test_a_request_refused_before_routing_is_labelled_with_its_route_template(
    client: AsyncClient, alice: dict[str, Any], metrics_url: str
) -> None:
    json_body = {**alice["headers"], "Content-Type": "application/json"}
    declared = await client.post("/orders", content=TOO_LARGE, headers=json_body)

    async def chunks() -> AsyncIterator[bytes]:
        yield TOO_LARGE  # no Content-Length: counted as it is read, in the route

    chunked = await client.post("/orders", content=chunks(), headers=json_body)
    smuggled = await client.post(
        "/orders",
        content=b"{}",
        headers={**json_body, "Transfer-Encoding": "chunked"},
    )
    preflights = [
        await client.options(path, headers=PREFLIGHT)
        for path in ("/orders", "/orders/7")
    ]

    metrics = await _scrape(metrics_url)

    assert [declared.status_code, chunked.status_code, smuggled.status_code] == [
        413,
        413,
        400,
    ]
    assert [preflight.status_code for preflight in preflights] == [200, 200]
    requests = metrics["http_requests"]
    # Refused by the middleware or by the route's read, one series per status.
    too_large = {"method": "POST", "route": "/orders", "status": "413"}
    assert _value(requests, "http_requests_total", **too_large) == 2
    bad_framing = {"method": "POST", "route": "/orders", "status": "400"}
    assert _value(requests, "http_requests_total", **bad_framing) == 1
    # No route answers OPTIONS: the path alone matches, as for a 405.
    for route in ("/orders", "/orders/{order_id}"):
        preflight = {"method": "OPTIONS", "route": route, "status": "200"}
        assert _value(requests, "http_requests_total", **preflight) == 1
    assert "<unmatched>" not in {labels["route"] for labels in _series(requests)}


async def test_requests_refused_before_routing_on_invented_paths_are_two_series(
    client: AsyncClient, metrics_url: str
) -> None:
    for number in range(200):
        await client.options(f"/no/such/path/{number}", headers=PREFLIGHT)
        await client.post(f"/wp-admin/{number}.php", content=TOO_LARGE)

    metrics = await _scrape(metrics_url)

    # 400 requests to 400 invented paths: one series per method and status.
    assert _series(metrics["http_requests"]) == [
        {"method": "OPTIONS", "route": "<unmatched>", "status": "200"},
        {"method": "POST", "route": "<unmatched>", "status": "413"},
    ]


async def test_a_flood_of_invented_methods_is_one_series(
    client: AsyncClient, metrics_url: str
) -> None:
    for number in range(200):
        await client.request(f"BREW{number}", "/health/live")
        await client.request(f"BREW{number}", f"/no/such/path/{number}")

    metrics = await _scrape(metrics_url)

    series = _series(metrics["http_requests"])
    # 400 requests with 200 methods: each path is one series under "other".
    assert series == [
        {"method": "other", "route": "/health/live", "status": "405"},
        {"method": "other", "route": "<unmatched>", "status": "404"},
    ]
    other = {"method": "other", "route": "/health/live", "status": "405"}
    assert _value(metrics["http_requests"], "http_requests_total", **other) == 200


def test_the_standard_methods_are_rfc_9110s_and_patch() -> None:
    # Python's HTTPMethod lists exactly RFC 9110's methods and RFC 5789's PATCH.
    assert {method.value for method in HTTPMethod} == KNOWN_METHODS


async def test_every_standard_method_keeps_its_own_label(
    client: AsyncClient, metrics_url: str
) -> None:
    methods = [method.value for method in HTTPMethod]  # CONNECT and TRACE too
    for method in methods:
        await client.request(method, "/health/live")

    metrics = await _scrape(metrics_url)

    assert sorted(s["method"] for s in _series(metrics["http_requests"])) == sorted(
        methods
    )


async def test_a_crash_is_counted_as_a_500(
    app: FastAPI,
    client: AsyncClient,
    metrics_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("payment provider returned garbage")

    response = await client.get("/boom")
    metrics = await _scrape(metrics_url)

    assert response.status_code == 500
    crashed = {"method": "GET", "route": "/boom", "status": "500"}
    assert _value(metrics["http_requests"], "http_requests_total", **crashed) == 1
    capsys.readouterr()  # the traceback line of the unhandled error


async def test_a_response_cut_after_it_started_is_counted_as_cut(
    app: FastAPI, client: AsyncClient, metrics_url: str
) -> None:
    add_export_that_fails_mid_stream(app)

    cut = await client.get("/export")
    whole = await client.get("/health/live")
    metrics = await _scrape(metrics_url)

    assert (cut.status_code, whole.status_code) == (200, 200)
    # The status sent, in the request count; and a count of its own.
    sent = {"method": "GET", "route": "/export", "status": "200"}
    assert _value(metrics["http_requests"], "http_requests_total", **sent) == 1
    cut_counts = metrics["http_responses_cut"]
    assert _value(cut_counts, "http_responses_cut_total", **sent) == 1
    # A response sent whole is not in it.
    assert [s.labels for s in cut_counts if s.name.endswith("_total")] == [sent]


async def test_a_request_that_raises_before_its_response_starts_is_recorded_as_a_500(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Inside the app, UnhandledErrorMiddleware turns an exception into a real
    500; this is what ObserveMiddleware records when something raises past
    it (a bug in a middleware between them) before any status was sent."""

    async def fails_before_answering(
        _scope: Scope, _receive: Receive, _send: Send
    ) -> None:
        raise RuntimeError("middleware bug")

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    metrics = HttpMetrics(CollectorRegistry())
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/orders",
        "state": {"metrics": metrics},  # what the lifespan puts there
    }
    configure_logging("INFO")
    capsys.readouterr()

    with pytest.raises(RuntimeError, match="middleware bug"):
        await ObserveMiddleware(fails_before_answering)(scope, receive, send)

    assert sent == []  # no status was sent: the 500 is the one recorded for it
    labels = {"method": "POST", "route": "<unmatched>", "status": "500"}
    assert metrics.registry.get_sample_value("http_requests_total", labels) == 1
    assert (
        metrics.registry.get_sample_value("http_request_duration_seconds_count", labels)
        == 1
    )
    [access] = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if '"shop.access"' in line
    ]
    assert (access["method"], access["path"], access["status"]) == (
        "POST",
        "/orders",
        500,
    )


@pytest.mark.parametrize("environment", ["development", "test", "production"])
async def test_the_public_app_never_serves_metrics(
    settings: Settings, environment: str
) -> None:
    app = create_app(
        settings.model_copy(update={"environment": environment, "metrics_port": 0})
    )
    async with (
        running(app) as served,
        AsyncClient(
            transport=ASGITransport(app=served), base_url="http://shop.example"
        ) as public,
    ):
        # prometheus_client's recipe mounts its app at /metrics, which then
        # serves /metrics/ (this app never redirects a slash): ask for both.
        responses = [await public.get(path) for path in ("/metrics", "/metrics/")]
        port = served.state["metrics_port"]
        scraped = await _scrape(f"http://127.0.0.1:{port}/metrics")

    for response in responses:
        assert_error(response, 404, "not_found")
    # The listener of its own answered, and counted the public 404.
    assert {"method": "GET", "route": "<unmatched>", "status": "404"} in _series(
        scraped["http_requests"]
    )


async def test_the_metrics_listener_is_on_loopback_by_default_and_closed_at_shutdown(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"metrics_port": 0}))

    async with running(app) as served:
        port = served.state["metrics_port"]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass

    assert Settings.model_fields["metrics_host"].default == "127.0.0.1"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


async def test_without_a_metrics_port_nothing_is_served(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_port": None}))

    async with running(app) as served:
        assert served.state["metrics_port"] is None


def test_the_env_example_sets_the_metrics_port_the_page_names() -> None:
    # Read as pydantic-settings reads a .env file (python-dotenv).
    example = dotenv_values(REPO_ROOT / "snippets" / ".env.example")
    port = example.get("METRICS_PORT")

    assert port is not None
    assert 0 < int(port) < 65536
    page = prose(PAGE)
    assert f"`.env.example` sets {port}." in page
    assert f"curl -s localhost:{port}/metrics" in page


async def test_each_app_has_its_own_registry_as_one_shared_one_would_fail(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = create_app(settings), create_app(settings)

    async with running(first) as one, running(second) as other:
        registry = one.state["metrics"].registry
        assert registry is not other.state["metrics"].registry

    # What the default registry would do: one registry for every app started
    # in the process. The first start registers the metrics, the second fails.
    shared = CollectorRegistry()
    monkeypatch.setattr(main_module, "CollectorRegistry", lambda: shared)
    third, fourth = create_app(settings), create_app(settings)
    async with third.router.lifespan_context(third):
        with pytest.raises(
            ValueError, match="Duplicated timeseries in CollectorRegistry"
        ):
            async with fourth.router.lifespan_context(fourth):
                pass
    page = prose(PAGE)
    assert "the second app to start fails with" in page
    assert "fails with `Duplicated timeseries in CollectorRegistry`" in page


async def test_a_second_listener_cannot_take_the_same_port() -> None:
    port = free_port()
    first, second = (HttpMetrics(CollectorRegistry()) for _ in range(2))

    async with serve_metrics(first, "127.0.0.1", port):
        # Naming the setting and the address: a bare "Address already in
        # use" during the app's start-up points at the API's port instead.
        taken = rf"127\.0\.0\.1:{port} \(METRICS_HOST, METRICS_PORT\): Address already in use"
        with pytest.raises(OSError, match=taken + "; choose another port"):
            async with serve_metrics(second, "127.0.0.1", port):
                pass
    assert "which only one of them can hold" in prose(PAGE)


@pytest.mark.parametrize(
    "host",
    [
        "192.0.2.1",  # TEST-NET-1: an address, but none of this machine's
        "metrics.invalid",  # a name that resolves to nothing
        "0.0.0.0:9464",  # a port written into the host
    ],
)
async def test_a_metrics_host_the_machine_cannot_listen_on_is_named_as_the_fix(
    host: str,
) -> None:
    metrics = HttpMetrics(CollectorRegistry())

    fix = "set METRICS_HOST to an address of this machine (0.0.0.0 for all)"
    with pytest.raises(OSError, match=re.escape(fix)) as raised:
        async with serve_metrics(metrics, host, free_port()):
            pass

    assert str(raised.value).startswith(
        f"[Errno {raised.value.errno}] cannot serve metrics on {host}:"
    )
    assert str(raised.value).endswith(fix)


# uvicorn with two worker processes: each runs the app's lifespan.
TWO_WORKERS = [sys.executable, "-m", "uvicorn", "--workers", "2"]
TWO_WORKERS += ["--factory", "shop.core.main:create_app", "--host", "127.0.0.1"]


def test_two_workers_stop_the_server_on_the_metrics_port() -> None:
    env = os.environ | {
        # Start-up opens no database connection: no database needed.
        "DATABASE_URL": "postgresql://shop@127.0.0.1:1/shop",
        "JWT_SECRET": "x" * 32,
        "METRICS_PORT": str(free_port()),
    }
    server = subprocess.Popen(
        [*TWO_WORKERS, "--port", str(free_port())],
        cwd=REPO_ROOT / "snippets",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the workers too, to kill if it keeps running
    )
    try:
        output, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        output, _ = server.communicate()

    # It stopped by itself (killed, it would be -9), the whole server with it.
    assert server.returncode == 0, output
    assert "(METRICS_HOST, METRICS_PORT): Address already in use" in output
    assert "failed to start, stopping the parent process" in output
    assert "uvicorn stops the whole server" in prose(PAGE)


# --- The page's queries ----------------------------------------------------------


def _series_named(expr: object) -> list[tuple[str, set[str], set[str]]]:
    """Each series a PromQL expression selects: its name, the labels it
    matches on, and the labels an aggregation over it groups by."""
    if isinstance(expr, promql_parser.VectorSelector):
        matched = {matcher.name for matcher in expr.matchers.matchers}
        return [(expr.name or "", matched, set())]
    if isinstance(expr, promql_parser.MatrixSelector):
        return _series_named(expr.vector_selector)
    if isinstance(expr, promql_parser.AggregateExpr):
        grouped = set(expr.modifier.labels) if expr.modifier else set()
        return [
            (name, matched, by | grouped)
            for name, matched, by in _series_named(expr.expr)
        ]
    if isinstance(expr, promql_parser.BinaryExpr):
        return _series_named(expr.lhs) + _series_named(expr.rhs)
    if isinstance(expr, promql_parser.Call):
        return [series for arg in expr.args for series in _series_named(arg)]
    if isinstance(expr, promql_parser.ParenExpr):
        return _series_named(expr.expr)
    assert isinstance(expr, promql_parser.NumberLiteral), f"not read: {expr!r}"
    return []


def test_the_pages_queries_name_only_series_and_labels_the_service_exports() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    for metric in (metrics.requests, metrics.duration, metrics.cut):
        metric.labels(method="GET", route="/orders/{order_id}", status="200")
    exported = {
        sample.name: set(sample.labels)
        for family in metrics.registry.collect()
        for sample in family.samples
    }
    queries = next(
        block.source for block in find_fences(PAGE) if block.language == "promql"
    ).splitlines()

    named = [
        series
        for query in queries
        for series in _series_named(promql_parser.parse(query))
    ]
    assert len(queries) == 3
    assert {name for name, _, _ in named} == {
        "http_requests_total",
        "http_responses_cut_total",
        "http_request_duration_seconds_bucket",
    }
    for name, matched, grouped in named:
        assert name in exported, f"{name} is no series of the service's"
        assert matched | grouped <= exported[name], (name, matched | grouped)
