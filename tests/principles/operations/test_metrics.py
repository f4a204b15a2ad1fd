"""Evidence for OPS-METRICS: /metrics exposes request duration and counts by
method, route template and status, in the Prometheus text format."""

from typing import Any

import pytest
from evidence import prose
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.main import create_app
from shop.core.metrics import HttpMetrics

PAGE = DOCS_DIR / "principles" / "operations" / "metrics.md"


async def _scrape(client: AsyncClient) -> dict[str, list[Sample]]:
    """Samples by metric family name, parsed with Prometheus's own parser."""
    response = await client.get("/metrics")
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


# --8<-- [start:scrape]
async def test_requests_are_counted_and_timed_by_route_template_and_status(
    client: AsyncClient, alice: dict[str, Any]
) -> None:
    for order_id in (1, 2, 3):  # three raw paths, none of them an order of Alice's
        await client.get(f"/orders/{order_id}", headers=alice["headers"])
    await client.get(f"/users/{alice['id']}", headers=alice["headers"])

    metrics = await _scrape(client)

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


async def test_unknown_paths_share_one_label_value(client: AsyncClient) -> None:
    for path in ("/wp-admin", "/.env", "/admin/login.php"):
        await client.get(path)

    metrics = await _scrape(client)

    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert _value(metrics["http_requests"], "http_requests_total", **unmatched) == 3


async def test_a_crash_is_counted_as_a_500(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("payment provider returned garbage")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
        metrics = await _scrape(client)

    assert response.status_code == 500
    crashed = {"method": "GET", "route": "/boom", "status": "500"}
    assert _value(metrics["http_requests"], "http_requests_total", **crashed) == 1
    capsys.readouterr()  # the traceback line of the unhandled error


def test_each_app_has_its_own_registry_as_one_shared_one_would_fail(
    settings: Settings,
) -> None:
    first, second = create_app(settings), create_app(settings)

    assert first.state.metrics.registry is not second.state.metrics.registry
    with pytest.raises(ValueError, match="Duplicated timeseries in CollectorRegistry"):
        HttpMetrics(first.state.metrics.registry)
    assert "fails with `Duplicated timeseries in CollectorRegistry`" in prose(PAGE)
