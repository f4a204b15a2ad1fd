"""Evidence for OPS-GRACEFUL-SHUTDOWN: The service finishes in-flight work and closes its pool on SIGTERM.

Each test reproduces a claim docs/principles/operations/graceful-shutdown.md makes,
against the real tool, library or service.
"""

import inspect

from claims_support import prose
from uvicorn import Config, Server
from uvicorn.main import main as uvicorn_cli

from handbook.docs_tree import DOCS_DIR

SHUTDOWN_PAGE = DOCS_DIR / "principles" / "operations" / "graceful-shutdown.md"


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
