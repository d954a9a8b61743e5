"""The scripted IdP: a real HTTP server on loopback that answers what a test tells it to.

A connector under test talks to it over real sockets, through its real transport policy, so a
scripted provider exercises everything a real one would, offline. Routes are matched in the order
they were added (first match wins); an unmatched request gets ``404 {"error": "not_scripted"}``
and is listed in :attr:`ScriptedIdP.unmatched`, so a test can say which request it did not expect.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from ..sandbox._http import HttpAnswer, Lifecycle, LoopbackServer, Request, _Server

__all__ = ["Reply", "Responder", "ScriptedIdP", "Seen", "json_body"]

#: A request as the scripted IdP saw it (method, path, query, lower-case headers, body).
Seen = Request


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer: ``Reply(200, json={...})``, ``Reply(500, body=b"...")``."""

    status: int = 200
    json: Mapping[str, Any] | list[Any] | None = None
    body: bytes | str = b""
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def answer(self) -> HttpAnswer:
        """The HTTP answer to send."""
        if self.json is not None:
            return HttpAnswer.json(self.status, self.json, **self.headers)
        body = self.body.encode() if isinstance(self.body, str) else self.body
        return HttpAnswer(self.status, {"Content-Type": "text/plain", **self.headers}, body)


#: What a route answers with: a fixed :class:`Reply`, or a function of the request returning one
#: (or a sandbox ``HttpAnswer``, so a sandbox app can serve a route).
Responder = Reply | Callable[[Seen], Reply | HttpAnswer]


@dataclasses.dataclass(frozen=True, slots=True)
class _Route:
    method: str
    path: re.Pattern[str]
    when: Callable[[Seen], bool] | None
    responder: Responder

    def matches(self, req: Seen) -> bool:
        return (
            self.method in ("*", req.method)
            and self.path.fullmatch(req.path) is not None
            and (self.when is None or self.when(req))
        )


class _Counting(_Server):
    """The sandbox's loopback server, counting the connections open right now."""

    open_connections = 0
    _count_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._count_lock:
            self.open_connections += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._count_lock:
                self.open_connections -= 1


class _CountingLoopback(LoopbackServer):
    """:class:`LoopbackServer` on a :class:`_Counting` server (IPv4 loopback)."""

    def server_class(self) -> type[_Server]:
        return _Counting


class ScriptedIdP(Lifecycle):
    """A scripted identity provider on ``127.0.0.1`` (a context manager; ``start()``/``stop()``).

    >>> idp = ScriptedIdP()
    >>> idp.route("POST", "/api/login", Reply(200, json={"user": {"id": "u-1"}}))
    >>> @idp.route("GET", "/api/health")
    ... def health(req): return Reply(200, json={"ok": True})

    ``path`` is an exact path, or a regular expression when given as ``re.compile(...)``;
    ``when`` narrows a route further (``when=lambda r: r.json()["username"] == "jane"``).
    Every request is recorded in :attr:`requests`.
    """

    def __init__(self, *, name: str = "idpbridge-scripted-idp") -> None:
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._server = _CountingLoopback(self._app, name=name)
        self._chaos: Reply | None = None
        self._hold: threading.Event | None = None
        self._held = threading.Event()
        self.requests: list[Seen] = []
        self.unmatched: list[Seen] = []

    # -- scripting ------------------------------------------------------------------------------

    def route(
        self,
        method: str,
        path: str | re.Pattern[str],
        reply: Responder | None = None,
        *,
        when: Callable[[Seen], bool] | None = None,
    ) -> Any:
        """Answer ``method path`` with ``reply``; without ``reply``, a decorator for a responder."""
        pattern = path if isinstance(path, re.Pattern) else re.compile(re.escape(path))

        def add(responder: Responder) -> Responder:
            with self._lock:
                self._routes.append(_Route(method.upper(), pattern, when, responder))
            return responder

        return add if reply is None else add(reply)

    def sequence(self, method: str, path: str, *replies: Reply) -> None:
        """Answer successive requests to ``method path`` with ``replies`` in turn (the last repeats)."""
        it = itertools.chain(replies, itertools.repeat(replies[-1]))
        self.route(method, path, lambda _req: next(it))

    @classmethod
    def from_cassette(cls, path: str | Path) -> Self:
        """An IdP replaying a vcrpy cassette: each interaction answers its method and path, in the
        cassette's order. Needs PyYAML (installed with vcrpy)."""
        import yaml  # type: ignore[import-untyped]  # the cassette format is vcrpy's YAML

        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        idp = cls()
        by_route: dict[tuple[str, str], list[Reply]] = {}
        for item in doc.get("interactions", []):
            req, resp = item["request"], item["response"]
            headers = {k: v[0] if isinstance(v, list) else v for k, v in (resp.get("headers") or {}).items()}
            headers = {k: v for k, v in headers.items() if k.lower() in ("content-type", "www-authenticate")}
            body = (resp.get("body") or {}).get("string", "")
            reply = Reply(int(resp["status"]["code"]), body=body, headers=headers)
            by_route.setdefault((req["method"].upper(), urlsplit(req["uri"]).path), []).append(reply)
        for (method, route_path), replies in by_route.items():
            idp.sequence(method, route_path, *replies)
        return idp

    # -- fault injection (the conformance suite uses these) -------------------------------------

    def chaos(self, reply: Reply | None) -> None:
        """Answer every request with ``reply`` (``None``: back to the script)."""
        self._chaos = reply

    def hold_next(self) -> threading.Event:
        """Make the next request wait until the returned event is set (or :meth:`stop`)."""
        self._held.clear()
        self._hold = threading.Event()
        return self._hold

    def wait_held(self, timeout: float) -> bool:
        """Whether a request is being held (waits up to ``timeout`` seconds)."""
        return self._held.wait(timeout)

    # -- state ----------------------------------------------------------------------------------

    def url(self, path: str = "") -> str:
        """The absolute URL of ``path`` on this server."""
        return self._server.base_url + path

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._server.base_url

    @property
    def open_connections(self) -> int:
        """Connections clients hold open to this server right now."""
        server = self._server._server
        return server.open_connections if isinstance(server, _Counting) else 0

    def start(self) -> Self:
        """Bind a free loopback port and serve."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving (a held request is released first)."""
        if self._hold is not None:
            self._hold.set()
        self._server.stop()

    # -- the app --------------------------------------------------------------------------------

    def _app(self, req: Seen) -> HttpAnswer:
        with self._lock:
            self.requests.append(req)
            hold, self._hold = self._hold, None
            routes = list(self._routes)
        if hold is not None:
            self._held.set()
            hold.wait(30)
        if self._chaos is not None:
            return self._chaos.answer()
        for route in routes:
            if route.matches(req):
                responder = route.responder
                reply = responder(req) if callable(responder) else responder
                return reply if isinstance(reply, HttpAnswer) else reply.answer()
        with self._lock:
            self.unmatched.append(req)
        return HttpAnswer.json(404, {"error": "not_scripted", "path": req.path})


def json_body(req: Seen) -> Any:
    """The request's JSON body (``{}`` when empty or not JSON)."""
    try:
        return json.loads(req.body or b"{}")
    except ValueError:
        return {}
