"""Fixtures of the evidence modules beyond the service's: a real Redis, spans.

Evidence modules (``tests/principles/<area>/test_<slug>.py``) prove what a
page claims against the same real PostgreSQL and rolled-back session as the
service tests: those fixtures come from tests/support/shop_fixtures.py, loaded for
every test by tests/conftest.py.
"""

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from throwaway.redis import NoRedisError, RedisServer, redis_server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis for the whole session (see redis_provider)."""
    try:
        with redis_server() as server:
            yield server.url
    except NoRedisError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A real Redis of the test's own, which the test may stop."""
    try:
        with redis_server() as server:
            yield server
    except NoRedisError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Every span the process records, kept in memory.

    OpenTelemetry allows one global tracer provider per process, so it is
    set once; tests clear the exporter before they look at it.
    """
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter
