"""FastAPI dependencies of core: what the running app was created with.

Kept out of ``config.py`` so that a service, which reads ``Settings``,
does not load FastAPI with it.
"""

from fastapi import Request

from shop.core.config import Settings
from shop.shared.state import lifespan_resource


async def get_app_settings(request: Request) -> Settings:
    """Dependency: the settings the running app was created with.

    Handlers read settings from the app rather than from ``get_settings()``,
    so tests can build an app with different settings without patching.
    """
    return lifespan_resource(request.scope, "settings", Settings)
