"""The FastAPI application: ``create_app(settings)``, and ``app`` for uvicorn."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from shop.catalog import router as catalog
from shop.core import health, metrics, tracing
from shop.core.config import Settings, get_settings
from shop.core.cors import JsonCORSMiddleware
from shop.core.database import create_engine, create_session_factory
from shop.core.errors import UnhandledErrorMiddleware, register_exception_handlers
from shop.core.http_semantics import HeadAsGetMiddleware, ResponseHeadersMiddleware
from shop.core.logging import LOGGER_NAME, AccessLogMiddleware, configure_logging
from shop.core.request_id import RequestIdMiddleware, add_request_id_to_logs
from shop.core.request_limits import BodySizeLimitMiddleware
from shop.orders import router as orders
from shop.shared.cache import create_cache
from shop.shared.pagination import CursorCodec, cursor_key
from shop.shared.rate_limit import SharedRateLimiter
from shop.users import router as users
from shop.users.security import PasswordHasher
from shop.users.throttling import create_sign_in_throttle


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Own the pool and the metrics listener: opened at start-up, closed at shutdown."""
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    try:
        # /metrics has a listener of its own, open while the app runs.
        async with metrics.serve_metrics(
            app.state.metrics, settings.metrics_host, settings.metrics_port
        ) as metrics_port:
            app.state.metrics_port = metrics_port
            yield
    finally:
        await app.state.cache.aclose()
        await app.state.rate_limiter.aclose()
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
    # /orders/ is a 404, not a 307 to /orders: Starlette builds that
    # Location from the request's Host header, so a forged Host would send
    # the client, and the body of its POST, to another site.
    app.router.redirect_slashes = False
    app.state.settings = settings
    # Shared by every request: one bound on concurrent password hashes, one
    # key for pagination cursors (derived from the app's secret), the cache
    # and the metrics.
    app.state.password_hasher = PasswordHasher(
        settings.password_hash_concurrency,
        queue_timeout_seconds=settings.password_hash_queue_timeout_seconds,
    )
    app.state.rate_limiter = SharedRateLimiter(
        str(settings.redis_url) if settings.redis_url else None,
        timeout_seconds=settings.cache_timeout_seconds,
    )
    app.state.sign_in_throttle = create_sign_in_throttle(
        app.state.rate_limiter, settings
    )
    app.state.cursor_codec = CursorCodec(
        cursor_key(settings.jwt_secret.get_secret_value().encode())
    )
    app.state.cache = create_cache(
        str(settings.redis_url) if settings.redis_url else None,
        ttl_seconds=settings.cache_ttl_seconds,
        timeout_seconds=settings.cache_timeout_seconds,
    )
    app.state.metrics = metrics.HttpMetrics(CollectorRegistry())
    # --8<-- [start:middleware]
    # Each add_middleware wraps what was added before it, so the last one
    # added sees a request first. From the inside out:
    # 1. a HEAD request is served as the GET it mirrors, without the body;
    app.add_middleware(HeadAsGetMiddleware)
    # 2. unhandled exceptions become a logged 500 in the common body;
    app.add_middleware(UnhandledErrorMiddleware)
    # 3. badly framed and oversized bodies are refused before they are read;
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes
    )
    # 4. CORS headers go on every response, the 500 and the 413 included;
    # --8<-- [start:cors]
    app.add_middleware(
        JsonCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Location"],
    )
    # --8<-- [end:cors]
    # 5. nosniff and a no-store default go on every response, preflights too;
    app.add_middleware(ResponseHeadersMiddleware)
    # 6. every request is counted and timed, preflights included;
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    # 7. one access line is logged per request;
    app.add_middleware(AccessLogMiddleware)
    # 8. and the request ID is set first, so every line above carries it.
    app.add_middleware(RequestIdMiddleware)
    # --8<-- [end:middleware]
    tracing.instrument(app)
    register_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(users.router)
    app.include_router(catalog.router)
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
