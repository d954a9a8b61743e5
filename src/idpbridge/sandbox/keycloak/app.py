"""The Keycloak face's routes (an app of :mod:`idpbridge.sandbox._http`).

==================================================  ===========================================
``GET  {rel}/realms/{realm}``                        realm info (``public_key``, ``token-service``)
``GET  …/.well-known/openid-configuration``          discovery; the issuer comes from the request
``GET  …/protocol/openid-connect/certs``             JWKS: signing keys and an ``RSA-OAEP`` ``enc`` key
``GET  …/protocol/openid-connect/auth``              authorization endpoint (:mod:`.browser`)
``POST …/login-actions/authenticate``                login and one-time-code forms
``POST …/protocol/openid-connect/token``             token endpoint (:mod:`.grants`)
``GET|POST …/protocol/openid-connect/userinfo``      UserInfo
``POST …/protocol/openid-connect/revoke``            revocation
``GET  …/protocol/openid-connect/logout``            RP-initiated logout
==================================================  ===========================================

``{rel}`` is ``""`` (Keycloak 17+) or ``"/auth"`` (the WildFly distribution). An unknown realm
answers 404 ``{"error": "Realm does not exist"}``; an unknown path 404 as Keycloak's REST layer
does.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import serialization

from .._http import HttpAnswer, Request
from .browser import IDENTITY_COOKIE, BrowserFlow
from .grants import BackChannel
from .realm import Realm
from .state import KeycloakState

__all__ = ["KeycloakApp"]

_NOT_FOUND = {
    "error": "Unable to find matching target resource method",
    "error_description": "For more on this error consult the server log.",
}
#: What a Keycloak realm's discovery document lists (the sandbox signs with RS256 only).
_ALGS = [
    "PS384",
    "RS384",
    "EdDSA",
    "ES384",
    "HS256",
    "HS512",
    "ES256",
    "RS256",
    "HS384",
    "ES512",
    "PS256",
    "PS512",
    "RS512",
]


class KeycloakApp:
    """Serve the realms of a :class:`KeycloakState` (callable: request -> answer)."""

    def __init__(self, state: KeycloakState) -> None:
        self.state = state
        self.browser = BrowserFlow(state)
        self.back = BackChannel(state)

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to this face (``{rel}/realms/…``)."""
        return path.startswith(f"{self.state.relative_path}/realms/")

    def __call__(self, request: Request) -> HttpAnswer:
        self.state.prune()
        if not self.handles(request.path):
            return HttpAnswer.json(404, _NOT_FOUND)
        parts = request.path[len(self.state.relative_path) + len("/realms/") :].split("/")
        realm = self.state.realms.get(parts[0])
        if realm is None:
            return HttpAnswer.json(404, {"error": "Realm does not exist"})
        route = "/".join(parts[1:])
        method = request.method
        if route == "" and method == "GET":
            return HttpAnswer.json(200, self._realm_info(request, realm))
        if route == ".well-known/openid-configuration" and method == "GET":
            return HttpAnswer.json(200, self.discovery(request.base_url, realm))
        if route == "protocol/openid-connect/certs" and method == "GET":
            jwks = self.state.keys[realm.name].jwks(self.state.enc_keys[realm.name])
            return HttpAnswer(200, {"Content-Type": "application/jwk-set+json"}, _dump(jwks))
        if route == "protocol/openid-connect/auth" and method == "GET":
            return self.browser.authorize(request, realm)
        if route == "login-actions/authenticate" and method == "POST":
            return self.browser.authenticate(request, realm)
        if route == "protocol/openid-connect/token" and method == "POST":
            return self.back.token(request, realm)
        if route == "protocol/openid-connect/userinfo" and method in ("GET", "POST"):
            return self.back.userinfo(request, realm)
        if route == "protocol/openid-connect/revoke" and method == "POST":
            return self.back.revoke(request, realm)
        if route == "protocol/openid-connect/logout" and method in ("GET", "POST"):
            return self.back.logout(request, realm, request.cookies().get(IDENTITY_COOKIE))
        return HttpAnswer.json(404, _NOT_FOUND)

    def _realm_info(self, request: Request, realm: Realm) -> dict[str, Any]:
        key = self.state.keys[realm.name].active
        der = key.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        issuer = self.state.issuer(request.base_url, realm)
        return {
            "realm": realm.name,
            "public_key": base64.b64encode(der).decode(),
            "token-service": f"{issuer}/protocol/openid-connect",
            "account-service": f"{issuer}/account",
            "tokens-not-before": 0,
        }

    def discovery(self, base_url: str, realm: Realm) -> dict[str, Any]:
        """The realm's OpenID Provider metadata, for requests addressed to ``base_url``."""
        issuer = self.state.issuer(base_url, realm)
        oidc = f"{issuer}/protocol/openid-connect"
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{oidc}/auth",
            "token_endpoint": f"{oidc}/token",
            "userinfo_endpoint": f"{oidc}/userinfo",
            "end_session_endpoint": f"{oidc}/logout",
            "jwks_uri": f"{oidc}/certs",
            "revocation_endpoint": f"{oidc}/revoke",
            "grant_types_supported": ["authorization_code", "refresh_token", "password"],
            "acr_values_supported": ["0", "1"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": _ALGS,
            "userinfo_signing_alg_values_supported": [*_ALGS, "none"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": [
                "aud",
                "sub",
                "iss",
                "auth_time",
                "name",
                "given_name",
                "family_name",
                "preferred_username",
                "email",
                "acr",
                "groups",
            ],
            "claim_types_supported": ["normal"],
            "claims_parameter_supported": True,
            "scopes_supported": ["openid", "profile", "email", "phone", "roles", "basic", "offline_access"],
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "frontchannel_logout_supported": False,
            "backchannel_logout_supported": False,
            "authorization_response_iss_parameter_supported": True,
        }


def _dump(doc: Any) -> bytes:
    return json.dumps(doc).encode()
