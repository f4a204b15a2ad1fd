"""Fixtures of the evidence modules: the reference service's, plus a real Redis.

Evidence modules (``tests/principles/<area>/test_<slug>.py``) prove what a
page claims against the same real PostgreSQL and rolled-back session as the
service tests. Their fixtures live in ``tests/service/conftest.py``; it is
loaded here under its own module name and its fixtures re-exported, so both
folders share one definition.
"""

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

SERVICE_TESTS = Path(__file__).resolve().parent.parent / "service"
if str(SERVICE_TESTS) not in sys.path:
    sys.path.insert(0, str(SERVICE_TESTS))


def _load_service_conftest():
    name = "service_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, SERVICE_TESTS / "conftest.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


service = _load_service_conftest()

from redis_provider import NoRedisError, RedisServer, redis_server  # noqa: E402

# The service's fixtures, under the names the evidence modules ask for.
alice = service.alice
app = service.app
bob = service.bob
cheap_password_hashing = service.cheap_password_hashing
client = service.client
connection = service.connection
create_database = service.create_database
database_url = service.database_url
engine = service.engine
login = service.login
register = service.register
server_url = service.server_url
session = service.session
settings = service.settings


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
