"""The FastAPI application: ``create_app(settings)``, and ``app`` for uvicorn."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry

from shop.core import health, metrics, tracing
from shop.core.config import Settings, get_settings
from shop.core.database import create_engine, create_session_factory
from shop.core.errors import register_exception_handlers
from shop.core.logging import LOGGER_NAME, AccessLogMiddleware, configure_logging
from shop.core.request_id import RequestIdMiddleware, add_request_id_to_logs
from shop.orders import router as orders
from shop.shared.cache import create_cache
from shop.users import router as users


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Own the connection pool: create it at start-up, close it at shutdown."""
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    try:
        yield
    finally:
        await app.state.cache.aclose()
        # Returns pooled connections to the server instead of letting them
        # be cut when the process exits.
        await engine.dispose()
    # --8<-- [end:lifespan]


def create_app(settings: Settings) -> FastAPI:
    """Build the application for ``settings``; nothing connects until start-up."""
    configure_logging(settings.log_level)
    add_request_id_to_logs(LOGGER_NAME)
    # --8<-- [start:docs-off-in-production]
    # The contract is public to developers, not to the internet: production
    # serves neither the schema nor the interactive docs.
    public_docs = settings.environment != "production"
    app = FastAPI(
        title="Shop",
        summary="Reference service of the Python backend design handbook.",
        lifespan=lifespan,
        openapi_url="/openapi.json" if public_docs else None,
        docs_url="/docs" if public_docs else None,
        redoc_url="/redoc" if public_docs else None,
    )
    # --8<-- [end:docs-off-in-production]
    app.state.settings = settings
    app.state.cache = create_cache(
        str(settings.redis_url) if settings.redis_url else None,
        ttl_seconds=settings.cache_ttl_seconds,
        timeout_seconds=settings.cache_timeout_seconds,
    )
    app.state.metrics = metrics.HttpMetrics(CollectorRegistry())
    # --8<-- [start:cors]
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Location"],
    )
    # --8<-- [end:cors]
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    # Outside CORS: it also times CORS preflights.
    app.add_middleware(AccessLogMiddleware)
    # Outside the access log, so the access line carries the request ID too.
    app.add_middleware(RequestIdMiddleware)
    tracing.instrument(app)
    register_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(users.router)
    app.include_router(orders.router)
    return app


def __getattr__(name: str) -> FastAPI:
    """Build ``app`` when it is looked up (``uvicorn shop.core.main:app`` does so once).

    A plain ``app = create_app(get_settings())`` would read the environment
    whenever anything imports this module, so tests could not import
    ``create_app`` without a production-like environment.
    """
    if name == "app":
        return create_app(get_settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
