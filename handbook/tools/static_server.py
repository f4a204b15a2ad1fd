"""Serve a built site on 127.0.0.1 the way a static host does: gzip-compressed.

Used by the browser tests and by ``task audit``. Python's own
``http.server`` sends everything uncompressed, which Lighthouse reports as a
performance problem no real host has.
"""

import functools
import gzip
import io
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/xml",
)


class _Handler(SimpleHTTPRequestHandler):
    """Static files; gzip when the client accepts it; a 404 page like a host's."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self) -> BinaryIO | None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and not self.path.split("?")[0].endswith("/"):
            return super().send_head()  # the 301 to the directory URL
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return self._send_404()
        ctype = self.guess_type(str(path))
        body = path.read_bytes()
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        compress = accepts_gzip and ctype.startswith(COMPRESSIBLE)
        if compress:
            body = gzip.compress(body, compresslevel=6)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def _send_404(self) -> BinaryIO:
        """Serve the site's 404.html at the requested URL, as GitHub Pages does."""
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"not found"
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _Server(ThreadingHTTPServer):
    """A browser that navigates away mid-response resets its connection:
    ordinary for a static host, not an error worth a traceback on stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serve(directory: Path, mount: str = "/") -> Iterator[str]:
    """Serve ``directory`` at ``http://127.0.0.1:<port><mount>``; yield that URL.

    With a ``mount`` such as ``/sub/path/``, the site answers only under it,
    like a project site on GitHub Pages.
    """
    root = Path(directory)
    if mount != "/":
        root = _mounted(root, mount)
    handler = functools.partial(_Handler, directory=str(root))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{mount}"
    finally:
        server.shutdown()
        server.server_close()


def _mounted(site: Path, mount: str) -> Path:
    """A directory in which ``site`` appears at ``mount`` (via a symlink)."""
    holder = Path(tempfile.mkdtemp(prefix="mounted-site-"))
    link = holder / mount.strip("/")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(site.resolve(), target_is_directory=True)
    # The host's own 404 page is the site's, as on GitHub Pages.
    (holder / "404.html").symlink_to(site.resolve() / "404.html")
    return holder
