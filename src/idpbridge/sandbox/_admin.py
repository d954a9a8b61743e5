"""The sandbox's own admin routes under ``/_sandbox``, guarded against cross-site requests.

==================================  ====================================================================
``GET  /_sandbox``                   what is served where (no secrets; read-only, no token)
``POST /_sandbox/rotate-keys``       rotate every signing key (the old ones stay published)
==================================  ====================================================================

Every other path under ``/_sandbox`` is ``404`` (never handed to an IdP face). A state-changing
route refuses, in this order:

* any method but ``POST`` — ``405`` with ``Allow: POST``;
* a cross-site request: an ``Origin`` other than the server's own loopback origins
  (``http://127.0.0.1:PORT``, ``http://localhost:PORT``, ``http://[::1]:PORT``; ``null``
  included), or ``Sec-Fetch-Site`` other than ``same-origin``/``none`` — ``403``;
* a content type an HTML form can send cross-site without a preflight
  (``application/x-www-form-urlencoded``, ``multipart/form-data``, ``text/plain``) or any other
  non-JSON type; a body needs ``application/json`` — ``415``;
* a missing or wrong admin token (``Authorization: Bearer <token>``; a new random token at every
  start, printed by ``idpbridge sandbox``) — ``401`` with ``WWW-Authenticate: Bearer``.

The token alone stops a cross-site request (a browser sends ``Authorization`` cross-site only
after a CORS preflight, which the sandbox never grants); the other checks hold if it leaks into
a page. Refusals are ``{"error": …, "error_description": …}`` and change nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any

from ._http import HttpAnswer, Request

__all__ = ["ADMIN_PREFIX", "AdminRoutes"]

ADMIN_PREFIX = "/_sandbox"
_SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
_JSON = "application/json"


def _refused(status: int, error: str, description: str, **headers: str) -> HttpAnswer:
    doc = {"error": error, "error_description": description}
    return HttpAnswer.json(status, doc, **{"Cache-Control": "no-store", **headers})


class AdminRoutes:
    """``/_sandbox`` routes. ``token`` and ``origins`` are read at each request (they change at
    every start); ``actions`` maps a state-changing route's path to what it does."""

    def __init__(
        self,
        *,
        describe: Callable[[], Mapping[str, Any]],
        actions: Mapping[str, Callable[[], Mapping[str, Any]]],
        token: Callable[[], str],
        origins: Callable[[], frozenset[str]],
    ) -> None:
        self._describe, self._actions, self._token, self._origins = describe, actions, token, origins

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is an admin path (``/_sandbox`` and everything under it)."""
        return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")

    def __call__(self, request: Request) -> HttpAnswer:
        path = request.path
        if path in (ADMIN_PREFIX, ADMIN_PREFIX + "/"):
            if request.method != "GET":
                return _refused(405, "method_not_allowed", "GET only", Allow="GET")
            return HttpAnswer.json(200, dict(self._describe()), **{"Cache-Control": "no-store"})
        action = self._actions.get(path)
        if action is None:
            return _refused(404, "not_found", "no such admin route")
        refusal = self.guard(request)
        if refusal is not None:
            return refusal
        return HttpAnswer.json(200, dict(action()), **{"Cache-Control": "no-store"})

    def guard(self, request: Request) -> HttpAnswer | None:
        """The refusal of a state-changing request, or ``None`` when it may proceed."""
        if request.method != "POST":
            return _refused(405, "method_not_allowed", "POST only", Allow="POST")
        origin = request.header("origin")
        if origin is not None and origin.lower() not in self._origins():
            return _refused(403, "forbidden", "cross-origin requests are refused")
        fetch_site = request.header("sec-fetch-site")
        if fetch_site is not None and fetch_site.lower() not in _SAME_ORIGIN_FETCH:
            return _refused(403, "forbidden", "cross-site requests are refused")
        content_type = request.content_type
        if content_type != _JSON and (content_type or request.body):
            return _refused(415, "unsupported_media_type", "send no body, or application/json")
        scheme, _, given = (request.header("authorization") or "").partition(" ")
        given = given.strip()
        if (
            scheme.lower() != "bearer"
            or not given
            or not hmac.compare_digest(given.encode(), self._token().encode())
        ):
            challenge = 'Bearer realm="idpbridge-sandbox"'
            return _refused(401, "unauthorized", "admin token required", **{"WWW-Authenticate": challenge})
        return None
