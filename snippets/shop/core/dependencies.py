"""FastAPI dependencies of core: what the running app was created with.

Kept out of ``config.py`` and ``shared/cache.py`` so that a service, which
reads ``Settings`` and uses the cache, does not load FastAPI with them.
"""

from typing import Annotated

from fastapi import Depends, Request

from shop.core.config import Settings
from shop.shared.cache import ResponseCache
from shop.shared.state import lifespan_resource


async def get_app_settings(request: Request) -> Settings:
    """Dependency: the settings the running app was created with.

    Handlers read settings from the app rather than from ``get_settings()``,
    so tests can build an app with different settings without patching.
    """
    return lifespan_resource(request.scope, "settings", Settings)


async def get_cache(request: Request) -> ResponseCache:
    """Dependency: the cache the app's lifespan opened."""
    return lifespan_resource(request.scope, "cache", ResponseCache)


Cache = Annotated[ResponseCache, Depends(get_cache)]
"""Annotate a dependency parameter with this to receive the app's cache."""
