"""A real HTTP server on loopback for one test: ``with serving(Handler) as base_url: ...``, where
``Handler`` is usually a :class:`QuietHandler` that answers with :meth:`QuietHandler.answer`."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator

__all__ = ["QuietHandler", "serving"]


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing, and answers 200 in one call."""

    def answer(self, body: bytes, *, headers: tuple[tuple[str, str], ...] = ()) -> None:
        """Send ``body`` as JSON, with ``headers`` added."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread; yields ``http://127.0.0.1:PORT``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
