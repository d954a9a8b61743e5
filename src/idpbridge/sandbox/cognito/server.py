"""The Cognito emulator's HTTP face: AWS JSON 1.1 on loopback.

``POST /`` with ``Content-Type: application/x-amz-json-1.1`` and
``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`` (no SigV4: the operations served
are ``authtype: none``). Errors are ``{"__type": ..., "message": ...}`` with HTTP 400 (500 for
internal errors) and an ``x-amzn-ErrorType`` header, as botocore's JSON parser expects.
``GET /{pool}/.well-known/jwks.json`` and ``/openid-configuration`` serve the pool's documents;
``/oauth2/*`` and ``/login`` are the Hosted UI (:mod:`.hosted_ui`): the emulator's base URL is
both the API endpoint and the Hosted UI domain.

:class:`CognitoApp` is the request handler (an app of :mod:`idpbridge.sandbox._http`);
:class:`FakeCognito` serves it alone, :class:`idpbridge.sandbox.Sandbox` beside other IdPs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, Self

from .._http import HttpAnswer, Lifecycle, LoopbackServer, Request
from .entities import CognitoFault, Message
from .hosted_ui import HostedUI
from .model import CognitoState

__all__ = ["CognitoApp", "FakeCognito"]

_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_CONTENT_TYPE = "application/x-amz-json-1.1"


def _json(status: int, body: dict[str, Any], content_type: str, **headers: str) -> HttpAnswer:
    return HttpAnswer(
        status,
        {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4()), **headers},
        json.dumps(body).encode(),
    )


def _fault(fault: CognitoFault) -> HttpAnswer:
    body = {"__type": fault.error_type, "message": fault.message}
    return _json(fault.status, body, _CONTENT_TYPE, **{"x-amzn-ErrorType": f"{fault.error_type}:"})


class CognitoApp:
    """The emulator's endpoints over one :class:`CognitoState` (callable: request -> answer)."""

    def __init__(self, state: CognitoState) -> None:
        self.state = state
        self.hosted_ui = HostedUI(state)
        self.operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "InitiateAuth": state.initiate_auth,
            "RespondToAuthChallenge": state.respond,
        }

    def __call__(self, request: Request) -> HttpAnswer:
        if request.method == "GET":
            return self._get(request)
        if request.method != "POST":
            return _json(404, {"message": "Not Found"}, "application/json")
        ui, auth, path = self.hosted_ui, request.header("authorization"), request.path
        if path == "/login":
            return ui.login(request.query, request.form())
        if path == "/oauth2/token":
            return ui.token(request.form(), auth)
        if path == "/oauth2/revoke":
            return ui.revoke(request.form(), auth)
        return self._api(request)

    def _get(self, request: Request) -> HttpAnswer:
        path, q, ui = request.path, request.query, self.hosted_ui
        if path == "/oauth2/authorize":
            return ui.authorize(q)
        if path == "/login":
            return ui.login_form(q)
        if path == "/oauth2/userInfo":
            return ui.userinfo(request.header("authorization"))
        parts = path.strip("/").split("/")
        state = self.state
        pool = state.pools.get(parts[0]) if len(parts) == 3 and parts[1] == ".well-known" else None
        if pool is not None and parts[2] == "jwks.json":
            return _json(200, state.jwks(), "application/json")
        if pool is not None and parts[2] == "openid-configuration":
            return _json(200, state.openid_configuration(pool), "application/json")
        return _json(404, {"message": "Not Found"}, "application/json")

    def _api(self, request: Request) -> HttpAnswer:
        try:
            if request.content_type != _CONTENT_TYPE:
                raise CognitoFault("UnknownOperationException", "unsupported content type")
            target = request.header("x-amz-target") or ""
            operation = self.operations.get(target.removeprefix(_TARGET_PREFIX))
            if not target.startswith(_TARGET_PREFIX) or operation is None:
                raise CognitoFault("UnknownOperationException", "unknown or unsupported operation")
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise CognitoFault("SerializationException", "request body is not JSON") from None
            if not isinstance(body, dict):
                raise CognitoFault("SerializationException", "request body is not a JSON object")
            return _json(200, operation(body), _CONTENT_TYPE)
        except CognitoFault as fault:
            return _fault(fault)
        except Exception:
            return _fault(CognitoFault("InternalErrorException", "internal error", status=500))


class FakeCognito(Lifecycle):
    """A Cognito user-pools endpoint on ``127.0.0.1`` serving choice-based and password sign-in.

    Provision pools, clients and users through :attr:`state`; read "sent" codes from
    :attr:`outbox`. Use as a context manager or call :meth:`start`/:meth:`stop`.
    """

    def __init__(self, state: CognitoState | None = None, *, port: int = 0) -> None:
        self.state = state or CognitoState()
        self.app = CognitoApp(self.state)
        self._server = LoopbackServer(self.app, port=port, name="fake-cognito")

    @property
    def outbox(self) -> list[Message]:
        """Codes the emulator "sent" (:class:`~.entities.Message`)."""
        return self.state.outbox

    @property
    def endpoint_url(self) -> str:
        """The base URL to give boto3 / the connector as ``endpoint_url``."""
        if not self._server.running:
            raise RuntimeError("the emulator is not running")
        return self._server.base_url

    def start(self) -> Self:
        self._server.start()
        self.state.base_url = self.endpoint_url
        return self

    def stop(self) -> None:
        self._server.stop()
