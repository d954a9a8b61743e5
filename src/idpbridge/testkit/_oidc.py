"""A scripted OpenID Connect provider on a :class:`~idpbridge.testkit.ScriptedIdP`.

It serves discovery, JWKS, the token endpoint (authorization code and password grants) and
userinfo under a path prefix, signs ID tokens with a key generated per instance, and can be told to
mint its next ID token *hostile* (``alg: none``, signed with another key, another issuer or
audience, expired, another nonce) — what the conformance suite uses to prove a connector refuses
them without another request.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jws
from joserfc.jwk import RSAKey

from ..methods import FinishOIDC
from ..outcomes import Outcome, RedirectRequired
from ._idp import Reply, ScriptedIdP, Seen

__all__ = ["HOSTILE_ID_TOKENS", "OIDCIdP"]

#: The hostile ID tokens :meth:`OIDCIdP.hostile` can mint, with what each breaks.
HOSTILE_ID_TOKENS: Mapping[str, str] = {
    "alg_none": "an unsigned ID token (alg: none)",
    "wrong_key": "an ID token signed with a key the IdP does not publish (same kid)",
    "wrong_issuer": "an ID token from another issuer",
    "wrong_audience": "an ID token for another client",
    "expired": "an expired ID token",
    "nonce_mismatch": "an ID token whose nonce is not the flow's",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OIDCIdP:
    """OpenID Connect on ``idp`` under ``prefix`` (issuer ``idp.url(prefix)`` unless ``issuer``).

    Args:
        idp: the scripted IdP to mount on (started or not).
        client_id: the audience of the ID tokens.
        prefix: the path of the issuer on the server (``"/realms/acme"``).
        issuer: the ``iss`` to use instead (a provider with a fixed issuer); then point the
            connector's ``endpoints`` at :meth:`endpoints`.
        users: ``{username: password}`` for the password grant.
        subject: the ``sub`` of every ID token.
        claims: more claims for ID tokens and userinfo (``email``…).
    """

    def __init__(
        self,
        idp: ScriptedIdP,
        *,
        client_id: str,
        prefix: str = "/oidc",
        issuer: str | None = None,
        users: Mapping[str, str] | None = None,
        subject: str = "scripted-user-1",
        claims: Mapping[str, Any] | None = None,
    ) -> None:
        self.idp, self.client_id, self.prefix = idp, client_id, prefix.rstrip("/")
        self._issuer = issuer
        self.users = dict(users or {})
        self.subject = subject
        self.claims = dict(claims or {})
        self.key = RSAKey.generate_key(2048, parameters={"kid": "scripted-1", "use": "sig", "alg": "RS256"})
        self._other = RSAKey.generate_key(2048, parameters={"kid": "scripted-1", "alg": "RS256"})
        self._codes: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._hostile: str | None = None
        #: Index in ``idp.requests`` of the last token-endpoint request.
        self.token_request_index: int | None = None
        p = self.prefix
        idp.route("GET", p + "/.well-known/openid-configuration", lambda _r: Reply(200, json=self.metadata()))
        idp.route("GET", p + "/jwks", lambda _r: Reply(200, json={"keys": [self.key.as_dict(private=False)]}))
        idp.route("POST", p + "/token", self._token)
        idp.route("GET", p + "/userinfo", lambda _r: Reply(200, json={"sub": self.subject, **self.claims}))

    @property
    def issuer(self) -> str:
        """The ``iss`` of this provider's ID tokens."""
        return self._issuer or self.idp.url(self.prefix)

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        base = self.idp.url(self.prefix)
        return {
            "issuer": self.issuer,
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "jwks_uri": base + "/jwks",
            "userinfo_endpoint": base + "/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": [
                "authorization_code",
                "password",
                "refresh_token",
                "client_credentials",
            ],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def endpoints(self) -> dict[str, str]:
        """``endpoints`` overrides for a connector whose issuer is not this server's URL."""
        doc = self.metadata()
        return {
            "discovery": self.idp.url(self.prefix + "/.well-known/openid-configuration"),
            **{
                k: doc[k]
                for k in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
            },
        }

    def hostile(self, kind: str | None) -> None:
        """Mint the next ID token as ``kind`` (a key of :data:`HOSTILE_ID_TOKENS`; ``None``: honest)."""
        if kind is not None and kind not in HOSTILE_ID_TOKENS:
            raise ValueError(f"unknown hostile ID token {kind!r}")
        self._hostile = kind

    def callback(self, outcome: Outcome) -> FinishOIDC:
        """What the browser brings back after logging in at the authorization URL of ``outcome``
        (a :class:`~idpbridge.RedirectRequired`): the flow's ``state`` and a fresh code."""
        if not isinstance(outcome, RedirectRequired) or outcome.continuation is None:
            raise AssertionError(f"expected a RedirectRequired with a continuation, got {outcome!r}")
        params = {k: v[0] for k, v in parse_qs(urlsplit(outcome.url).query).items()}
        code = self.issue_code(params.get("nonce"))
        return FinishOIDC({"state": params.get("state", ""), "code": code}, outcome.continuation)

    def issue_code(self, nonce: str | None) -> str:
        """A fresh authorization code (single use) whose ID token will carry ``nonce``: for a
        provider's own login API that hands out codes (script its routes with this)."""
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = nonce
        return code

    # -- the token endpoint ---------------------------------------------------------------------

    def _token(self, req: Seen) -> Reply:
        self.token_request_index = len(self.idp.requests) - 1
        form = req.form()
        grant = form.get("grant_type")
        nonce: str | None = None
        if grant == "authorization_code":
            with self._lock:
                if form.get("code") not in self._codes:
                    return Reply(400, json={"error": "invalid_grant", "error_description": "unknown code"})
                nonce = self._codes.pop(form["code"])
        elif grant == "password":
            if self.users.get(form.get("username", "")) != form.get("password") or "username" not in form:
                return Reply(400, json={"error": "invalid_grant", "error_description": "bad credentials"})
        elif grant == "client_credentials":  # the app's own token (check() probes ask for one)
            token = {"access_token": "scripted-app-" + secrets.token_urlsafe(8), "token_type": "Bearer"}
            return Reply(200, json={**token, "expires_in": 300}, headers={"Cache-Control": "no-store"})
        else:
            return Reply(400, json={"error": "unsupported_grant_type"})
        return Reply(
            200,
            json={
                "access_token": "scripted-at-" + secrets.token_urlsafe(8),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.mint(nonce=nonce),
            },
            headers={"Cache-Control": "no-store"},
        )

    def mint(self, *, nonce: str | None = None) -> str:
        """An ID token for :attr:`subject` (hostile if :meth:`hostile` asked for it, once)."""
        kind, self._hostile = self._hostile, None
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": self.subject,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            **self.claims,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if kind == "wrong_issuer":
            claims["iss"] = "https://attacker.example"
        elif kind == "wrong_audience":
            claims["aud"] = "someone-else"
        elif kind == "expired":
            claims["iat"], claims["exp"], claims["auth_time"] = now - 7200, now - 3600, now - 7200
        elif kind == "nonce_mismatch":
            claims["nonce"] = "not-the-flows-nonce"
        payload = json.dumps(claims)
        if kind == "alg_none":
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{_b64(payload.encode())}."
        key = self._other if kind == "wrong_key" else self.key
        return jws.serialize_compact({"alg": "RS256", "kid": "scripted-1", "typ": "JWT"}, payload, key)
