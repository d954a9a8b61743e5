"""HTTP plumbing shared by the sandbox IdPs: a threaded server bound to loopback only.

An *app* is a callable taking a :class:`Request` and returning an :class:`HttpAnswer`; a
:class:`LoopbackServer` serves one app on ``127.0.0.1`` (or ``::1``) in a daemon thread. The
Cognito emulator (:mod:`idpbridge.sandbox.cognito`) and the Keycloak face
(:mod:`idpbridge.sandbox.keycloak`) are both apps; :class:`~idpbridge.sandbox.Sandbox` mounts them
side by side on one server.

Every request must name the server in its ``Host`` header (``127.0.0.1:PORT``, ``localhost:PORT``
or ``[::1]:PORT``, :func:`loopback_authorities`); any other ``Host`` gets ``421 Misdirected
Request`` before an app sees it, which shuts out DNS rebinding. Each response goes out in one
write on a ``TCP_NODELAY`` socket.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import socket
import threading
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType, TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode

__all__ = [
    "App",
    "HttpAnswer",
    "Lifecycle",
    "LoopbackServer",
    "Request",
    "loopback_authorities",
    "with_query",
]

_LOOPBACK = frozenset({"127.0.0.1", "::1"})
MAX_BODY = 256 * 1024


def _first(pairs: list[tuple[str, str]]) -> Mapping[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return MappingProxyType(out)


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request as an app sees it. ``query`` keeps the first value of each parameter.

    ``base_url`` is the origin the client addressed (``http://{Host}``, lower-case): the server
    only passes on requests whose ``Host`` names its own loopback address and port (see
    :func:`loopback_authorities`). Keycloak derives its issuer from the request host the same way.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    base_url: str

    def header(self, name: str) -> str | None:
        """A header value (case-insensitive name), or ``None``."""
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case (``""`` when absent)."""
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def form(self) -> Mapping[str, str]:
        """The ``application/x-www-form-urlencoded`` body (first value of each field)."""
        return _first(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def cookies(self) -> Mapping[str, str]:
        """The cookies the client sent."""
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.header("cookie") or "")
        except CookieError:
            return {}
        return {key: morsel.value for key, morsel in jar.items()}


@dataclasses.dataclass(frozen=True)
class HttpAnswer:
    """What the server sends back; ``cookies`` are whole ``Set-Cookie`` header values."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    cookies: tuple[str, ...] = ()

    @classmethod
    def json(cls, status: int, doc: Mapping[str, object] | list[Any], **headers: str) -> HttpAnswer:
        """A JSON document (``application/json;charset=UTF-8``)."""
        return cls(
            status, {"Content-Type": "application/json;charset=UTF-8", **headers}, json.dumps(doc).encode()
        )

    @classmethod
    def redirect(cls, location: str, *, cookies: tuple[str, ...] = ()) -> HttpAnswer:
        """``302 Found`` to ``location``."""
        return cls(302, {"Location": location, "Cache-Control": "no-store"}, cookies=cookies)

    @classmethod
    def page(cls, status: int, text: str, *, cookies: tuple[str, ...] = ()) -> HttpAnswer:
        """An HTML page (never cached)."""
        headers = {"Content-Type": "text/html;charset=UTF-8", "Cache-Control": "no-store"}
        return cls(status, headers, text.encode(), cookies)


App = Callable[[Request], HttpAnswer]


def with_query(uri: str, params: Mapping[str, str], *, fragment: bool = False) -> str:
    """``uri`` with ``params`` appended to its query (or set as its fragment)."""
    if fragment:
        return f"{uri}#{urlencode(params)}"
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def loopback_authorities(host: str, port: int) -> frozenset[str]:
    """The ``Host`` values (lower-case) that name a server bound to loopback ``host``:``port``.

    ``127.0.0.1:PORT``, ``localhost:PORT`` and ``[::1]:PORT`` — whatever loopback address it is
    bound to, since ``localhost`` may resolve to either; a port-less name only for port 80.
    Everything else — another port, another name resolving to ``127.0.0.1`` — is refused (DNS
    rebinding: a page of ``evil.example`` re-pointed at loopback sends ``Host: evil.example``).
    """
    names = ("127.0.0.1", "localhost", "[::1]")
    if host not in _LOOPBACK:
        raise ValueError("not a loopback address")
    out = {f"{name}:{port}" for name in names}
    if port == 80:
        out.update(names)
    return frozenset(out)


def _refusal(status: int, error: str, description: str) -> HttpAnswer:
    return HttpAnswer.json(status, {"error": error, "error_description": description}, Connection="close")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """Disable Nagle: a response is one write anyway, and nothing should wait for an ACK."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (it would print to stderr)."""

    def _host(self) -> str | HttpAnswer:
        """The request's ``Host`` (lower-case) when it names this server, else the refusal."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            return _refusal(400, "invalid_request", "exactly one Host header is required")
        host = hosts[0].strip().lower()
        if host not in self.server.authorities:
            return _refusal(421, "misdirected_request", "this server answers only its loopback address")
        return host

    def _handle(self) -> None:
        host = self._host()
        if isinstance(host, HttpAnswer):
            self.close_connection = True
            return self._write(host)
        length_text = self.headers.get("Content-Length") or "0"
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if not 0 <= length <= self.server.max_body:
            self.close_connection = True
            # Read (and drop) a moderately oversized body first: closing with unread bytes makes the
            # kernel send a reset, which can destroy the 413 before the client reads it.
            if 0 < length <= 8 * self.server.max_body:
                while length > 0:
                    chunk = self.rfile.read(min(length, 64 * 1024))
                    if not chunk:
                        break
                    length -= len(chunk)
            return self._write(HttpAnswer(413, {"Content-Type": "text/plain"}, b"request too large"))
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        request = Request(
            method=self.command,
            path=path,
            query=_first(parse_qsl(query, keep_blank_values=True)),
            headers=MappingProxyType({k.lower(): v for k, v in self.headers.items()}),
            body=body,
            base_url=f"http://{host}",
        )
        try:
            answer = self.server.app(request)
        except Exception:
            answer = HttpAnswer.json(500, {"error": "server_error"})
        return self._write(answer)

    def _write(self, answer: HttpAnswer) -> None:
        """Send status line, headers and body in **one** write.

        ``BaseHTTPRequestHandler`` flushes the headers, then the body goes out as a second small
        write: with Nagle's algorithm the second waits for the client's delayed ACK (~40 ms per
        response on Linux). One buffer per response (and ``TCP_NODELAY``) avoids the stall.
        """
        try:
            data = self._serialize(answer)
        except ValueError:  # a CR/LF in a header value: never split the response
            data = self._serialize(HttpAnswer.json(500, {"error": "server_error"}))
        self.wfile.write(data)

    def _serialize(self, answer: HttpAnswer) -> bytes:
        phrase = self.responses.get(answer.status, ("",))[0]
        fields = [
            ("Server", self.version_string()),
            ("Date", self.date_time_string()),
            *answer.headers.items(),
            *(("Set-Cookie", cookie) for cookie in answer.cookies),
        ]
        if "Content-Length" not in answer.headers:
            fields.append(("Content-Length", str(len(answer.body))))
        lines = [f"{self.protocol_version} {answer.status} {phrase}"]
        for key, value in fields:
            if any(c in f"{key}{value}" for c in "\r\n\0"):
                raise ValueError("control character in a header")
            if key.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
            lines.append(f"{key}: {value}")
        body = b"" if self.command == "HEAD" else answer.body  # HEAD: the headers of the answer only
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: App
    authorities: frozenset[str]
    max_body: int


class _Server6(_Server):
    address_family = socket.AF_INET6


class Lifecycle:
    """Mixin: a server with ``start()`` (returning itself) and ``stop()`` is a context manager."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LoopbackServer(Lifecycle):
    """Serve ``app`` on a loopback address in a background thread (``port=0``: any free port)."""

    def __init__(
        self, app: App, *, host: str = "127.0.0.1", port: int = 0, name: str = "idpbridge-sandbox"
    ) -> None:
        if host not in _LOOPBACK:
            raise ValueError("the sandbox listens on loopback addresses only (127.0.0.1 or ::1)")
        self.app, self.host, self._port, self.name = app, host, port, name
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (valid once started)."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:{port}``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def authorities(self) -> frozenset[str]:
        """The ``Host`` values this server answers (valid once started)."""
        return loopback_authorities(self.host, self.port)

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None

    def server_class(self) -> type[_Server]:
        """The server class to bind (a subclass may serve through its own)."""
        return _Server6 if ":" in self.host else _Server

    def start(self) -> Self:
        """Bind and serve; ``OSError`` when the port is taken."""
        server = self.server_class()((self.host, self._port), _Handler)
        server.app, server.max_body = self.app, MAX_BODY
        self._server = server
        server.authorities = self.authorities
        # A short poll interval: stop() waits for the loop to notice (0.5 s by default, per stop).
        serve = functools.partial(server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
