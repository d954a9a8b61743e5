"""The Cognito emulator's Hosted UI (managed login): the OAuth 2.0 / OIDC endpoints.

=========================  ====================================================================
``GET /oauth2/authorize``  checks client, exact callback URL, scopes, PKCE method (S256 only),
                           then redirects to ``/login`` with the same query, as Cognito does
``GET/POST /login``        a plain HTML form (``username``, ``password``); success redirects to
                           the callback with ``code`` and ``state``
``POST /oauth2/token``     ``authorization_code`` (single use, PKCE S256 verified, exact
                           ``redirect_uri``) and ``refresh_token``; client authentication by
                           HTTP Basic or ``client_secret`` in the body
``GET /oauth2/userInfo``   the user's attributes, with Cognito's string booleans (``"true"``)
``POST /oauth2/revoke``    revokes a refresh token
=========================  ====================================================================

Sources: the user pool endpoint reference
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html)
and its authorize, token and userInfo pages. MFA
during Hosted UI sign-in is not emulated (the form refuses such users).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import html
import secrets
import threading
from collections.abc import Mapping
from urllib.parse import urlencode

from .._http import HttpAnswer, with_query
from .entities import Client, Pool, User
from .model import CognitoState

__all__ = ["HostedUI", "HttpAnswer"]

_CODE_TTL = 300.0


@dataclasses.dataclass
class _Grant:
    pool: Pool
    client: Client
    user: User
    redirect_uri: str
    challenge: str | None
    nonce: str | None
    scope: str
    expires_at: float


class HostedUI:
    """The Hosted UI endpoints over one :class:`CognitoState`."""

    def __init__(self, state: CognitoState) -> None:
        self.state = state
        self._grants: dict[str, _Grant] = {}
        self._refresh: dict[str, tuple[Pool, Client, User]] = {}
        self._lock = threading.Lock()

    # -- browser side ----------------------------------------------------------------------------

    def _client(self, client_id: str | None) -> tuple[Pool, Client] | None:
        for pool in self.state.pools.values():
            if client_id and client_id in pool.clients:
                return pool, pool.clients[client_id]
        return None

    def _check_request(self, q: Mapping[str, str]) -> tuple[Pool, Client] | HttpAnswer:
        found = self._client(q.get("client_id"))
        redirect_uri = q.get("redirect_uri", "")
        if found is None:
            return HttpAnswer.page(400, "<p>error: invalid_request (unknown client)</p>")
        if redirect_uri not in found[1].callback_urls:
            return HttpAnswer.page(400, "<p>error: redirect_mismatch</p>")
        state = {"state": q["state"]} if "state" in q else {}
        if q.get("response_type") != "code":
            return HttpAnswer.redirect(
                with_query(redirect_uri, {"error": "unsupported_response_type", **state})
            )
        if not set(q.get("scope", "openid").split()) <= found[1].scopes:
            return HttpAnswer.redirect(with_query(redirect_uri, {"error": "invalid_scope", **state}))
        if "code_challenge" in q and q.get("code_challenge_method") != "S256":
            return HttpAnswer.redirect(with_query(redirect_uri, {"error": "invalid_request", **state}))
        return found

    def authorize(self, q: Mapping[str, str]) -> HttpAnswer:
        checked = self._check_request(q)
        return checked if isinstance(checked, HttpAnswer) else HttpAnswer.redirect("/login?" + urlencode(q))

    def login_form(self, q: Mapping[str, str], error: str | None = None) -> HttpAnswer:
        checked = self._check_request(q)
        if isinstance(checked, HttpAnswer):
            return checked
        note = f'<p class="error">{html.escape(error)}</p>' if error else ""
        action = html.escape("/login?" + urlencode(q), quote=True)
        return HttpAnswer.page(
            200,
            f'<html><body>{note}<form method="post" action="{action}">'
            '<input name="username" type="text"><input name="password" type="password">'
            '<input type="submit" value="Sign in"></form></body></html>',
        )

    def login(self, q: Mapping[str, str], form: Mapping[str, str]) -> HttpAnswer:
        checked = self._check_request(q)
        if isinstance(checked, HttpAnswer):
            return checked
        pool, client = checked
        user = pool.find(form.get("username", ""))
        password = form.get("password", "")
        if (
            user is None
            or user.password is None
            or not hmac.compare_digest(password.encode(), user.password.encode())
        ):
            return self.login_form(q, "Incorrect username or password.")
        if not user.enabled or user.status != "CONFIRMED":
            return self.login_form(q, "User cannot sign in.")
        if user.mfa is not None:
            return self.login_form(q, "MFA sign-in is not emulated.")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                pool, client, user, q["redirect_uri"], q.get("code_challenge"), q.get("nonce"),
                q.get("scope", "openid"), self.state.clock() + _CODE_TTL,
            )  # fmt: skip
        params = {"code": code, **({"state": q["state"]} if "state" in q else {})}
        return HttpAnswer.redirect(with_query(q["redirect_uri"], params))

    # -- back channel --------------------------------------------------------------------------

    def _authenticate_client(
        self, form: Mapping[str, str], authorization: str | None
    ) -> tuple[Pool, Client] | None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except ValueError:
                return None
        found = self._client(client_id)
        if found is None:
            return None
        expected = found[1].secret
        if expected is not None and not (secret and hmac.compare_digest(secret.encode(), expected.encode())):
            return None
        return found

    def token(self, form: Mapping[str, str], authorization: str | None) -> HttpAnswer:
        found = self._authenticate_client(form, authorization)
        if found is None:
            return HttpAnswer.json(400, {"error": "invalid_client"})
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._grants.pop(form.get("code", ""), None)
            if grant is None or grant.client is not found[1] or self.state.clock() >= grant.expires_at:
                return HttpAnswer.json(400, {"error": "invalid_grant"})
            if form.get("redirect_uri") != grant.redirect_uri:
                return HttpAnswer.json(400, {"error": "invalid_grant"})
            if grant.challenge is not None:
                verifier = form.get("code_verifier", "").encode()
                computed = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if not hmac.compare_digest(computed, grant.challenge):
                    return HttpAnswer.json(400, {"error": "invalid_grant"})
            return self._issue(grant.pool, grant.client, grant.user, nonce=grant.nonce, scope=grant.scope)
        if grant_type == "refresh_token":
            owner = self._refresh.get(form.get("refresh_token", ""))
            if owner is None or owner[1] is not found[1]:
                return HttpAnswer.json(400, {"error": "invalid_grant"})
            return self._issue(*owner, nonce=None, scope=None, keep_refresh=True)
        return HttpAnswer.json(400, {"error": "unsupported_grant_type"})

    def _issue(
        self,
        pool: Pool,
        client: Client,
        user: User,
        *,
        nonce: str | None,
        scope: str | None,
        keep_refresh: bool = False,
    ) -> HttpAnswer:
        minted = self.state.tokens.mint(pool, client, user, now=self.state.clock(), nonce=nonce, scope=scope)
        self.state.access_tokens[minted["access_token"]] = (pool, user)
        body = {**minted, "token_type": "Bearer"}
        if keep_refresh:
            del body["refresh_token"]
        else:
            self._refresh[minted["refresh_token"]] = (pool, client, user)
        return HttpAnswer.json(200, body, **{"Cache-Control": "no-store"})

    def userinfo(self, authorization: str | None) -> HttpAnswer:
        token = authorization[7:] if authorization and authorization.startswith("Bearer ") else ""
        owner = self.state.access_tokens.get(token)
        if owner is None:
            return HttpAnswer.json(
                401, {"error": "invalid_token"}, **{"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        _, user = owner
        return HttpAnswer.json(200, {"sub": user.sub, "username": user.username, **user.attributes})

    def revoke(self, form: Mapping[str, str], authorization: str | None) -> HttpAnswer:
        if self._authenticate_client(form, authorization) is None:
            return HttpAnswer.json(400, {"error": "invalid_client"})
        self._refresh.pop(form.get("token", ""), None)
        return HttpAnswer(200, {"Content-Length": "0"})
