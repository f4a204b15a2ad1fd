"""The FastAPI application: ``create_app()``, the factory uvicorn calls.

Serve it with ``uvicorn --factory shop.core.main:create_app``: uvicorn calls
the factory once, so importing this module reads no environment and builds
no app, and tests call ``create_app(settings)`` with settings of their own.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TypedDict

from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shop.catalog import router as catalog
from shop.core import health, metrics, tracing
from shop.core.config import Settings, settings_or_exit
from shop.core.cors import JsonCORSMiddleware
from shop.core.database import create_engine, create_session_factory
from shop.core.errors import UnhandledErrorMiddleware, register_exception_handlers
from shop.core.http_semantics import HeadAsGetMiddleware, ResponseHeadersMiddleware
from shop.core.logging import configure_logging
from shop.core.media_type import body_media_type
from shop.core.observe import ObserveMiddleware
from shop.core.repeated_names import refuse_repeated_names
from shop.core.request_id import RequestIdLogFilter, RequestIdMiddleware
from shop.core.request_limits import BodySizeLimitMiddleware
from shop.orders import router as orders
from shop.shared.cache import ResponseCache, create_cache
from shop.shared.pagination import CursorCodec, cursor_key
from shop.shared.rate_limit import SharedRateLimiter
from shop.users import router as users
from shop.users.security import PasswordHasher
from shop.users.throttling import SignInThrottle, create_sign_in_throttle


# --8<-- [start:app-state]
class AppState(TypedDict):
    """Everything requests share, created by the lifespan and closed by it.

    Starlette's lifespan state, as its documentation types it: the lifespan
    yields this mapping and the server copies it into every request's scope.
    Nothing lives on ``app.state``, so a resource cannot be created where
    the lifespan would not close it, nor read after shutdown has closed it.
    Dependencies read one entry each, type-checked, through
    ``shop.shared.state.lifespan_resource``.
    """

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    cache: ResponseCache
    rate_limiter: SharedRateLimiter
    sign_in_throttle: SignInThrottle
    password_hasher: PasswordHasher
    cursor_codec: CursorCodec
    metrics: metrics.HttpMetrics
    metrics_port: int | None
    # --8<-- [end:app-state]


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[AppState]:
    """Open every shared resource at start-up; close each one at shutdown.

    The exit stack closes them in the reverse order of opening, and closes
    the ones already open if a later one fails to open.
    """
    redis_url = (
        str(settings.redis_url.get_secret_value()) if settings.redis_url else None
    )
    async with AsyncExitStack() as opened:
        engine = create_engine(settings)
        # Returns pooled connections to the server instead of letting them
        # be cut when the process exits.
        opened.push_async_callback(engine.dispose)
        cache = create_cache(
            redis_url,
            ttl_seconds=settings.cache_ttl_seconds,
            timeout_seconds=settings.cache_timeout_seconds,
        )
        opened.push_async_callback(cache.aclose)
        rate_limiter = SharedRateLimiter(
            redis_url, timeout_seconds=settings.cache_timeout_seconds
        )
        opened.push_async_callback(rate_limiter.aclose)
        http_metrics = metrics.HttpMetrics(CollectorRegistry())
        # /metrics has a listener of its own, open while the app runs.
        metrics_port = await opened.enter_async_context(
            metrics.serve_metrics(
                http_metrics, settings.metrics_host, settings.metrics_port
            )
        )
        yield AppState(
            settings=settings,
            engine=engine,
            session_factory=create_session_factory(engine),
            cache=cache,
            rate_limiter=rate_limiter,
            sign_in_throttle=create_sign_in_throttle(rate_limiter, settings),
            # One bound on concurrent password hashes for the whole process.
            password_hasher=PasswordHasher(
                settings.password_hash_concurrency,
                queue_timeout_seconds=settings.password_hash_queue_timeout_seconds,
            ),
            # Pagination cursors are signed with a key derived from the secret.
            cursor_codec=CursorCodec(
                cursor_key(settings.jwt_secret.get_secret_value().encode())
            ),
            metrics=http_metrics,
            metrics_port=metrics_port,
        )
    # --8<-- [end:lifespan]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; nothing connects until the lifespan starts.

    Without ``settings`` (as ``uvicorn --factory`` calls it) they are read
    from the environment.
    """
    settings = settings or settings_or_exit()
    configure_logging(settings.log_level, RequestIdLogFilter())
    # --8<-- [start:docs-off-in-production]
    # The contract is public to developers, not to the internet: production
    # serves neither the schema nor the interactive docs.
    public_docs = settings.environment != "production"
    app = FastAPI(
        title="Shop",
        summary="Reference service of the Python backend design handbook.",
        # The lifespan needs the settings, not the app.
        lifespan=lambda _: lifespan(settings),
        openapi_url="/openapi.json" if public_docs else None,
        docs_url="/docs" if public_docs else None,
        redoc_url="/redoc" if public_docs else None,
    )
    # --8<-- [end:docs-off-in-production]
    # /orders/ is a 404, not a 307 to /orders: Starlette builds that
    # Location from the request's Host header, so a forged Host would send
    # the client, and the body of its POST, to another site.
    app.router.redirect_slashes = False
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
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-None-Match",
            "X-Request-ID",
        ],
        # A script reads no other response header (bar the CORS-safelisted
        # ones): the ETag to send back, a created order's Location, when to
        # retry a 429 or 503, and the request's ID to quote to support.
        expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
    )
    # --8<-- [end:cors]
    # 5. nosniff and a no-store default go on every response, preflights too;
    app.add_middleware(ResponseHeadersMiddleware)
    # 6. every request is timed once, preflights included: one access line
    #    is logged and the request is counted in the metrics;
    app.add_middleware(ObserveMiddleware)
    # 7. and the request ID is set first, so every line above carries it.
    app.add_middleware(RequestIdMiddleware)
    # --8<-- [end:middleware]
    tracing.instrument(app)
    register_exception_handlers(app)
    # A body labelled as a type its route does not parse is a 415; a JSON
    # body that repeats a key, or a form a field, a 422.
    body_checks = [Depends(body_media_type), Depends(refuse_repeated_names)]
    for router in (health.router, users.router, catalog.router, orders.router):
        app.include_router(router, dependencies=body_checks)
    return app
