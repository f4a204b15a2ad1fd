"""Claims of the graceful-shutdown and REST pages, checked against the real code.

What the service does under a signal is asserted in
tests/service/test_shutdown.py; these tests check what the pages say about
uvicorn's settings and about the shape of the reference service's API.
"""

import inspect
import secrets

from claims_support import prose
from uvicorn import Config, Server
from uvicorn.main import main as uvicorn_cli

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings
from shop.core.main import create_app

SHUTDOWN_PAGE = DOCS_DIR / "principles" / "operations" / "graceful-shutdown.md"
REST_PAGE = DOCS_DIR / "principles" / "api" / "rest-status-codes.md"


def test_uvicorn_waits_for_requests_without_limit_unless_told() -> None:
    options = {option for param in uvicorn_cli.params for option in param.opts}
    shutdown = inspect.getsource(Server.shutdown)

    assert Config(app="shop.core.main:app").timeout_graceful_shutdown is None
    assert "--timeout-graceful-shutdown" in options
    # On timeout the running tasks are cancelled, then the lifespan shuts down.
    assert shutdown.index("t.cancel(") < shutdown.index("self.lifespan.shutdown()")
    page_text = prose(SHUTDOWN_PAGE)
    assert "`timeout_graceful_shutdown` defaults to `None`" in page_text
    assert "`--timeout-graceful-shutdown <seconds>`" in page_text
    assert "uvicorn cancels the requests still running" in page_text


def test_uvicorn_raises_the_signal_again_after_shutting_down() -> None:
    source = inspect.getsource(Server.capture_signals)

    assert "signal.raise_signal(captured_signal)" in source
    assert "uvicorn raises the signal again once its shutdown is done" in prose(
        SHUTDOWN_PAGE
    )


def _routes() -> set[tuple[str, str]]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql://shop@db.internal:5432/shop",  # type: ignore[arg-type]
        jwt_secret=secrets.token_urlsafe(32),  # type: ignore[arg-type]
    )
    openapi = create_app(settings).openapi()
    return {
        (method.upper(), path)
        for path, operations in openapi["paths"].items()
        for method in operations
    }


def test_the_service_has_no_delete_and_no_nested_orders_as_the_rest_page_says() -> None:
    routes = _routes()

    assert not [route for route in routes if route[0] == "DELETE"]
    assert ("POST", "/orders") in routes
    # Below a user there is nothing: no /users/{user_id}/orders.
    assert {path for _, path in routes if path.startswith("/users/{")} == {
        "/users/{user_id}"
    }
    page_text = prose(REST_PAGE)
    assert "the reference service has no `DELETE` endpoint" in page_text
    assert "`DELETE /users/me` is a 405" in page_text
    assert "instead of nesting orders as `/users/{id}/orders`" in page_text
