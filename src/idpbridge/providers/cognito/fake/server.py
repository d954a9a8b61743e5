"""The Cognito emulator's HTTP face: AWS JSON 1.1 on loopback.

``POST /`` with ``Content-Type: application/x-amz-json-1.1`` and
``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`` (no SigV4: the operations served
are ``authtype: none``). Errors are ``{"__type": ..., "message": ...}`` with HTTP 400 (500 for
internal errors) and an ``x-amzn-ErrorType`` header, as botocore's JSON parser expects.
``GET /{pool}/.well-known/jwks.json`` and ``/openid-configuration`` serve the pool's documents;
``/oauth2/*`` and ``/login`` are the Hosted UI (:mod:`.hosted_ui`): the emulator's base URL is
both the API endpoint and the Hosted UI domain.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

from .entities import CognitoFault
from .hosted_ui import HostedUI, HttpAnswer
from .model import CognitoState

__all__ = ["FakeCognito"]

_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_CONTENT_TYPE = "application/x-amz-json-1.1"
_MAX_BODY = 256 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (it would print to stderr)."""

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", _CONTENT_TYPE if self.command == "POST" else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, fault: CognitoFault) -> None:
        self._send(
            fault.status,
            {"__type": fault.error_type, "message": fault.message},
            {"x-amzn-ErrorType": f"{fault.error_type}:"},
        )

    def _answer(self, answer: HttpAnswer) -> None:
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        if "Content-Length" not in answer.headers:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or "0")
        raw = self.rfile.read(min(max(length, 0), _MAX_BODY)).decode("utf-8", "replace")
        return dict(parse_qsl(raw, keep_blank_values=True))

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        q = dict(parse_qsl(query, keep_blank_values=True))
        ui = self.server.hosted_ui
        if path == "/oauth2/authorize":
            return self._answer(ui.authorize(q))
        if path == "/login":
            return self._answer(ui.login_form(q))
        if path == "/oauth2/userInfo":
            return self._answer(ui.userinfo(self.headers.get("Authorization")))
        parts = path.strip("/").split("/")
        state = self.server.state
        pool = state.pools.get(parts[0]) if len(parts) == 3 and parts[1] == ".well-known" else None
        if pool is not None and parts[2] == "jwks.json":
            self._send(200, state.jwks())
        elif pool is not None and parts[2] == "openid-configuration":
            self._send(200, state.openid_configuration(pool))
        else:
            self._send(404, {"message": "Not Found"})
        return None

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        ui, auth = self.server.hosted_ui, self.headers.get("Authorization")
        if path == "/login":
            return self._answer(ui.login(dict(parse_qsl(query, keep_blank_values=True)), self._form()))
        if path == "/oauth2/token":
            return self._answer(ui.token(self._form(), auth))
        if path == "/oauth2/revoke":
            return self._answer(ui.revoke(self._form(), auth))
        return self._api()

    def _api(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or "0")
            if not 0 <= length <= _MAX_BODY:
                raise CognitoFault("SerializationException", "request body too large")
            raw = self.rfile.read(length)
            if (self.headers.get("Content-Type") or "").split(";")[0].strip() != _CONTENT_TYPE:
                raise CognitoFault("UnknownOperationException", "unsupported content type")
            target = self.headers.get("X-Amz-Target") or ""
            operation = self.server.operations.get(target.removeprefix(_TARGET_PREFIX))
            if not target.startswith(_TARGET_PREFIX) or operation is None:
                raise CognitoFault("UnknownOperationException", "unknown or unsupported operation")
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise CognitoFault("SerializationException", "request body is not JSON") from None
            if not isinstance(body, dict):
                raise CognitoFault("SerializationException", "request body is not a JSON object")
            self._send(200, operation(body))
        except CognitoFault as fault:
            self._fault(fault)
        except Exception:
            self._fault(CognitoFault("InternalErrorException", "internal error", status=500))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: CognitoState
    hosted_ui: HostedUI
    operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]


class FakeCognito:
    """A Cognito user-pools endpoint on ``127.0.0.1`` serving choice-based and password sign-in.

    Provision pools, clients and users through :attr:`state`; read "sent" codes from
    :attr:`outbox`. Use as a context manager or call :meth:`start`/:meth:`stop`.
    """

    def __init__(self, state: CognitoState | None = None, *, port: int = 0) -> None:
        self.state = state or CognitoState()
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def outbox(self) -> list[Any]:
        """Codes the emulator "sent" (:class:`~.model.Message`)."""
        return self.state.outbox

    @property
    def endpoint_url(self) -> str:
        """The base URL to give boto3 / the connector as ``endpoint_url``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.state = self.state
        server.hosted_ui = HostedUI(self.state)
        server.operations = {
            "InitiateAuth": self.state.initiate_auth,
            "RespondToAuthChallenge": self.state.respond,
        }
        self._server = server
        self.state.base_url = self.endpoint_url
        self._thread = threading.Thread(target=server.serve_forever, name="fake-cognito", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
