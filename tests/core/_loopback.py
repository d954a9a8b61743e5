"""A tiny threaded HTTP/1.1 server on 127.0.0.1 that serves crafted responses over a real socket.

Each route is a :class:`Route` (status, headers, raw body bytes sent as they are, an optional
delay before answering). The server records the headers of every request it receives.
"""

from __future__ import annotations

import dataclasses
import http.server
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

__all__ = ["LoopbackServer", "Route", "serve"]

_JSON = {"content-type": "application/json"}


@dataclasses.dataclass(frozen=True)
class Route:
    """One crafted response; ``body`` goes on the wire as is (already compressed if it says so)."""

    body: bytes = b"{}"
    headers: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {"content-type": "application/json"}
    )
    status: int = 200
    delay: float = 0.0
    #: More header lines, sent after ``headers`` (a name may repeat).
    extra_headers: tuple[tuple[str, str], ...] = ()


class LoopbackServer:
    """Routes by path; ``url(path)`` is the loopback URL of a route."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                server.requests.append((self.command, path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(path, Route(b'{"error": "not_found"}', status=404))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    for name, value in [*route.headers.items(), *route.extra_headers]:
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up reading, as it should for a refused body

            do_GET = _answer
            do_POST = _answer

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign] # resets happen
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-http", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve(routes: Mapping[str, Route]) -> Iterator[LoopbackServer]:
    """Run a :class:`LoopbackServer` for the ``with`` block."""
    server = LoopbackServer(routes)
    server.start()
    try:
        yield server
    finally:
        server.stop()
