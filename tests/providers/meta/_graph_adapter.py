"""A loopback stand-in for the three Graph API calls of Facebook Login, backed by a real OP.

oidc-provider can play Facebook's dialog and token endpoint (plus the OIDC variant's ID token and
JWKS), but not Graph: ``debug_token`` and ``/me`` have no OpenID Connect equivalent an OP serves.
This adapter answers them in Graph's shapes from the OP's own answers, so every token is still
checked by the OP:

* ``GET /{v}/debug_token?input_token=`` — requires the app token (``Bearer {app id}|{secret}``);
  RFC 7662 introspection at the OP (as the app) gives ``is_valid``/``app_id``/``user_id``/``scopes``;
* ``GET /{v}/me?fields=&appsecret_proof=`` — requires a correct ``appsecret_proof``; the OP's
  UserInfo gives the profile, renamed to Graph fields;
* ``DELETE /{v}/me/permissions`` — revocation at the OP.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from idpbridge.sandbox._http import HttpAnswer, LoopbackServer, Request

__all__ = ["GraphAdapter"]

_FIELDS = {
    "id": "sub",
    "name": "name",
    "email": "email",
    "first_name": "given_name",
    "last_name": "family_name",
}


def _graph_error(code: int, message: str, status: int = 400) -> HttpAnswer:
    return HttpAnswer.json(status, {"error": {"message": message, "type": "OAuthException", "code": code}})


class GraphAdapter:
    """The Graph calls for one app, answered from the OP at ``op_base``."""

    def __init__(self, op_base: str, *, app_id: str, app_secret: str, version: str = "v24.0") -> None:
        self.op_base, self.app_id, self.app_secret, self.version = op_base, app_id, app_secret, version
        self.requests: list[Request] = []
        self.server = LoopbackServer(self, name="graph-adapter")

    @property
    def base_url(self) -> str:
        return f"{self.server.base_url}/{self.version}"

    def __call__(self, request: Request) -> HttpAnswer:
        self.requests.append(request)
        path = request.path.removeprefix(f"/{self.version}")
        auth = request.header("authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        if path == "/debug_token" and request.method == "GET":
            if token != f"{self.app_id}|{self.app_secret}":
                return _graph_error(190, "Invalid OAuth access token signature.")
            return HttpAnswer.json(200, {"data": self._inspect(request.query.get("input_token", ""))})
        if not token:
            return _graph_error(2500, "An active access token must be used to query information.")
        proof = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.query.get("appsecret_proof", ""), proof):
            return _graph_error(100, "Invalid appsecret_proof provided in the API argument")
        if path == "/me" and request.method == "GET":
            return self._me(token, request.query.get("fields", "id,name"))
        if path == "/me/permissions" and request.method == "DELETE":
            with httpx.Client() as op:
                op.post(f"{self.op_base}/token/revocation", data=self._app(token=token))
            return HttpAnswer.json(200, {"success": True})
        return _graph_error(100, "Unsupported request")

    def _app(self, **form: str) -> dict[str, str]:
        return {"client_id": self.app_id, "client_secret": self.app_secret, **form}

    def _inspect(self, token: str) -> dict[str, Any]:
        with httpx.Client() as op:
            info = op.post(f"{self.op_base}/token/introspection", data=self._app(token=token)).json()
        if not info.get("active"):
            return {
                "is_valid": False,
                "scopes": [],
                "error": {"code": 190, "message": "Invalid OAuth access token."},
            }
        return {
            "app_id": info.get("client_id"),
            "type": "USER",
            "application": "graph adapter",
            "expires_at": info.get("exp", 0),
            "is_valid": True,
            "scopes": str(info.get("scope", "")).split(),
            "user_id": info.get("sub"),
        }

    def _me(self, token: str, fields: str) -> HttpAnswer:
        with httpx.Client() as op:
            reply = op.get(f"{self.op_base}/me", headers={"authorization": f"Bearer {token}"})
        if reply.status_code != 200:
            return _graph_error(190, "Error validating access token.")
        claims = reply.json()
        profile = {f: claims[_FIELDS[f]] for f in fields.split(",") if f in _FIELDS and _FIELDS[f] in claims}
        return HttpAnswer.json(200, profile)
