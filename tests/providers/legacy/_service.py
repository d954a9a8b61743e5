"""A small legacy REST service for the suite: real HTTP on 127.0.0.1, several dialects.

Users live in :data:`USERS`. Every request is recorded (method, path, query, headers, raw body)
so tests can assert exactly what arrived. Dialects (by path):

* ``/json/login``: JSON body ``{"user": ..., "pass": ...}``; answers ``{"ok": true, "user": {...}}``
  or ``{"ok": false, "error": {"code": "BAD_PASSWORD" | "NO_USER" | "LOCKED" | "DISABLED"}}`` with 200.
* ``/form/login``: form body ``username``/``password``; 200 + profile, 401 wrong password,
  404 unknown user, 423 locked.
* ``/status/login``: form body, status only: 204 on success, 403 otherwise.
* ``/nested/login``: JSON; the profile is nested (``data.account.ids[0]``...).
* ``/hmac/login``: JSON; verifies ``X-Sig``/``X-Ts`` (HMAC-SHA256 of method, URL, ts, body) or 401.
* ``/basic/login``: JSON; verifies Basic ``svc:s3cret`` or 401.
* ``/token/validate``: GET with ``Authorization: Bearer <token>``; ``{"active": true, "username": ...}``.
* ``/token/string-active``: ``"active": "true"`` (a string), hostile.
* ``/token/other-user``: valid but echoes another username, hostile.
* ``/echo``: answers the parsed body back under ``received`` (200 with a subject).
* ``/slow``: sleeps; ``/huge``: a body far over the cap; ``/health``: 200.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

USERS: dict[str, dict[str, Any]] = {
    "alice": {
        "password": "correct horse",
        "id": 1001,
        "email": "alice@example.com",
        "verified": True,
        "name": "Alice A.",
        "groups": ["staff", "admins"],
        "state": "ok",
    },
    "bob": {
        "password": "pw-bob",
        "id": 1002,
        "email": "bob@example.com",
        "verified": "true",
        "name": "Bob B.",
        "groups": [],
        "state": "locked",
    },
    "carol": {
        "password": "pw-carol",
        "id": 1003,
        "email": "carol@example.com",
        "verified": False,
        "name": "Carol C.",
        "groups": ["x"],
        "state": "disabled",
    },
}
TOKENS = {"tok-alice": "alice", "tok-bob": "bob"}
HMAC_SECRET = b"hmac-shared-secret"
BASIC = ("svc", "s3cret")


def _profile(name: str) -> dict[str, Any]:
    u = USERS[name]
    return {
        "id": u["id"],
        "login": name,
        "email": u["email"],
        "email_verified": u["verified"],
        "display_name": u["name"],
        "groups": u["groups"],
        "department": "R&D",
    }


def _check(username: Any, password: Any) -> str:
    user = USERS.get(username) if isinstance(username, str) else None
    if user is None:
        return "NO_USER"
    if not isinstance(password, str) or not hmac.compare_digest(password, user["password"]):
        return "BAD_PASSWORD"
    return {"ok": "OK", "locked": "LOCKED", "disabled": "DISABLED"}[user["state"]]


class LegacyService:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.slow_delay = 3.0
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any = None) -> None:
                raw = (
                    b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
                )
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _handle(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
                body: Any = None
                if raw:
                    body = (
                        dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
                        if form
                        else json.loads(raw)
                    )
                service.requests.append(
                    {
                        "method": self.command,
                        "path": path,
                        "query": query,
                        "headers": headers,
                        "raw": raw,
                        "body": body,
                    }
                )
                self._route(path, headers, body, raw)

            def _route(self, path: str, headers: dict[str, str], body: Any, raw: bytes) -> None:
                if path == "/health":
                    return self._send(200, {"status": "up"})
                if path == "/slow":
                    time.sleep(service.slow_delay)
                    return self._send(200, {"ok": True})
                if path == "/huge":
                    return self._send(200, {"ok": True, "pad": "x" * (3 * 1024 * 1024)})
                if path == "/echo":
                    return self._send(200, {"ok": True, "id": "echo", "received": body})
                if path == "/basic/login":
                    import base64

                    want = "Basic " + base64.b64encode(f"{BASIC[0]}:{BASIC[1]}".encode()).decode()
                    if headers.get("authorization") != want:
                        return self._send(401, {"error": "client"})
                if path == "/hmac/login":
                    ts = headers.get("x-ts", "")
                    url = f"{service.scheme}://{headers['host']}{self.path}"
                    msg = f"{self.command}\n{url}\n{ts}\n".encode() + raw
                    want = "sha256=" + hmac.new(HMAC_SECRET, msg, hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(headers.get("x-sig", ""), want):
                        return self._send(401, {"error": "bad signature"})
                if path in ("/json/login", "/hmac/login", "/basic/login"):
                    verdict = _check(body.get("user"), body.get("pass"))
                    if verdict == "OK":
                        return self._send(200, {"ok": True, "user": _profile(body["user"])})
                    return self._send(200, {"ok": False, "error": {"code": verdict}})
                if path in ("/form/login", "/status/login"):
                    verdict = _check(body.get("username"), body.get("password"))
                    if path == "/status/login":
                        return self._send(204 if verdict == "OK" else 403)
                    status = {"OK": 200, "BAD_PASSWORD": 401, "NO_USER": 404, "LOCKED": 423}.get(verdict, 403)
                    return self._send(
                        status, _profile(body["username"]) if verdict == "OK" else {"e": verdict}
                    )
                if path == "/nested/login":
                    verdict = _check(body["credentials"]["login"], body["credentials"]["secret"])
                    if verdict != "OK":
                        return self._send(200, {"result": {"status": "denied", "reason": verdict}})
                    p = _profile(body["credentials"]["login"])
                    return self._send(
                        200,
                        {
                            "result": {"status": "granted"},
                            "data": {
                                "account": {
                                    "ids": [str(p["id"])],
                                    "contact": {"emails": [{"value": p["email"]}]},
                                    "roles": p["groups"],
                                    "login": p["login"],
                                }
                            },
                        },
                    )
                if path.startswith("/token/"):
                    token = headers.get("authorization", "").removeprefix("Bearer ")
                    name = TOKENS.get(token)
                    if name is None:
                        return self._send(200, {"active": False})
                    if path == "/token/string-active":
                        return self._send(
                            200, {"active": "true", "sub": str(USERS[name]["id"]), "username": name}
                        )
                    if path == "/token/other-user":
                        return self._send(200, {"active": True, "sub": "9", "username": "mallory"})
                    return self._send(
                        200,
                        {
                            "active": True,
                            "sub": str(USERS[name]["id"]),
                            "username": name,
                            "email": USERS[name]["email"],
                        },
                    )
                return self._send(404, {"error": "not_found"})

            do_GET = _handle
            do_POST = _handle
            do_PUT = _handle

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[LegacyService]:
    service = LegacyService(tls)
    service._thread.start()
    try:
        yield service
    finally:
        service._httpd.shutdown()
        service._httpd.server_close()
