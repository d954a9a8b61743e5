"""The back channel of the Keycloak face: token endpoint, UserInfo, revocation, logout.

Token endpoint order as in Keycloak's ``TokenEndpoint``: grant type (``invalid_request``
"Missing form parameter: grant_type", ``unsupported_grant_type``), then client authentication
(HTTP Basic or ``client_secret`` in the body; unknown client → 401 ``invalid_client``, wrong
secret → 401 ``unauthorized_client``, both "Invalid client or Invalid client credentials"), then
the grant:

* ``authorization_code`` — ``AuthorizationCodeGrantType`` and ``PkceUtils`` messages ("Code not
  valid", "Incorrect redirect_uri", "PKCE verification failed: Code mismatch", …);
* ``password`` — the built-in "direct grant" flow: validate username (disabled → 400
  "Account disabled"), password, then the conditional OTP (``otp``, falling back to ``totp``;
  a code is good once, :meth:`~.state.KeycloakState.accept_totp`);
  every credential failure is ``invalid_grant`` "Invalid user credentials" (status per realm:
  401, or 400 as in Keycloak 26.6+); pending required actions → 400 "Account is not fully set up";
* ``refresh_token``.

Sources (keycloak/keycloak, ``services/src/main/java/org/keycloak/``), read at the commits named:
``protocol/oidc/grants/ResourceOwnerPasswordCredentialsGrantType.java`` @ 119bcab3dcd0 (direct
grants disabled: 400 ``unauthorized_client``; pending required actions, checked after the whole
flow: 400 ``invalid_grant`` "Account is not fully set up");
``authentication/authenticators/directgrant/ValidateUsername.java`` @ f0be0d3b25c7 (no username:
401 ``invalid_request`` "Missing parameter: username"; unknown user: 401; disabled: 400 "Account
disabled"; brute-force locked: "Invalid user credentials" with the same status as a wrong
password); ``…/directgrant/ValidatePassword.java`` @ 898fdedcdabc (wrong password: 401);
``…/directgrant/ValidateOTP.java`` @ 9676f8d12caa (missing or wrong OTP: 401, ``otp`` then
``totp``); reuse of a TOTP code: :meth:`~.state.KeycloakState.accept_totp`. The 400 of Keycloak
26.6+ for invalid credentials (``Realm.invalid_credentials_status``):
https://github.com/keycloak/keycloak/issues/45812.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from .._http import HttpAnswer, Request, with_query
from .pages import error_page
from .realm import Realm, RealmClient
from .state import KeycloakState
from .tokens import token_response, user_claims

__all__ = ["BackChannel"]

_BAD_CLIENT = "Invalid client or Invalid client credentials"
_BAD_USER = "Invalid user credentials"


class _OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status, self.error, self.description = status, error, description

    def answer(self) -> HttpAnswer:
        doc = {"error": self.error, "error_description": self.description}
        return HttpAnswer.json(self.status, doc, **{"Cache-Control": "no-store"})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _eq(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class BackChannel:
    """Token, UserInfo, revocation and logout endpoints over one :class:`KeycloakState`."""

    GRANTS = ("authorization_code", "password", "refresh_token")

    def __init__(self, state: KeycloakState) -> None:
        self.state = state

    # -- token endpoint --------------------------------------------------------------------------

    def token(self, request: Request, realm: Realm) -> HttpAnswer:
        form = request.form()
        try:
            grant_type = form.get("grant_type")
            if not grant_type:
                raise _OAuthError(400, "invalid_request", "Missing form parameter: grant_type")
            if grant_type not in self.GRANTS:
                raise _OAuthError(400, "unsupported_grant_type", "Unsupported grant_type")
            client = self._client(request, form, realm)
            issuer = self.state.issuer(request.base_url, realm)
            if grant_type == "authorization_code":
                body = self._code(form, realm, client, issuer)
            elif grant_type == "password":
                body = self._password(form, realm, client, issuer)
            else:
                body = self._refresh(form, realm, client, issuer)
        except _OAuthError as refused:
            return refused.answer()
        return HttpAnswer.json(200, body, **{"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _client(self, request: Request, form: Mapping[str, str], realm: Realm) -> RealmClient:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        authorization = request.header("authorization") or ""
        if authorization[:6].lower() == "basic ":
            try:
                raw = base64.b64decode(authorization[6:], validate=True).decode()
            except ValueError:
                raise _OAuthError(400, "invalid_request", "Invalid authorization header") from None
            user, sep, password = raw.partition(":")
            if not sep:
                raise _OAuthError(400, "invalid_request", "Invalid authorization header")
            client_id, secret = unquote_plus(user), unquote_plus(password)
        client = realm.clients.get(client_id or "")
        if client is None:
            raise _OAuthError(401, "invalid_client", _BAD_CLIENT)
        if client.secret is not None and not (secret and _eq(secret, client.secret)):
            raise _OAuthError(401, "unauthorized_client", _BAD_CLIENT)
        return client

    def _code(
        self, form: Mapping[str, str], realm: Realm, client: RealmClient, issuer: str
    ) -> dict[str, Any]:
        code = form.get("code")
        if code is None:
            raise _OAuthError(400, "invalid_request", "Missing parameter: code")
        with self.state.lock:
            grant = self.state.codes.pop(code, None)
        if grant is None or grant.realm is not realm:
            raise _OAuthError(400, "invalid_grant", "Code not valid")
        if self.state.clock() >= grant.expires_at:
            raise _OAuthError(400, "invalid_grant", "Code is expired")
        sso = self.state.live_sso(realm, grant.sso.id)
        if sso is None:
            raise _OAuthError(400, "invalid_grant", "Session not active")
        if not sso.user.enabled:
            raise _OAuthError(400, "invalid_grant", "User disabled")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise _OAuthError(400, "invalid_grant", "Incorrect redirect_uri")
        if grant.client is not client:
            raise _OAuthError(400, "invalid_grant", "Auth error: Found different client_id in clientSession")
        if not client.standard_flow:
            raise _OAuthError(400, "invalid_grant", "Client not allowed to exchange code")
        self._pkce(form.get("code_verifier"), grant.challenge, grant.challenge_method)
        return token_response(
            self.state,
            issuer=issuer,
            realm=realm,
            client=client,
            user=sso.user,
            sid=sso.id,
            scope=grant.scope,
            auth_time=sso.auth_time,
            nonce=grant.nonce,
            acr=grant.acr,
        )

    @staticmethod
    def _pkce(verifier: str | None, challenge: str | None, method: str | None) -> None:
        if challenge is None:
            if verifier is not None:
                raise _OAuthError(
                    400,
                    "invalid_grant",
                    "PKCE code verifier specified but challenge not present in authorization",
                )
            return
        if verifier is None:
            raise _OAuthError(400, "invalid_grant", "PKCE code verifier not specified")
        if not 43 <= len(verifier) <= 128 or not all(c.isalnum() or c in "-._~" for c in verifier):
            raise _OAuthError(400, "invalid_grant", "PKCE verification failed: Invalid code verifier")
        computed = _s256(verifier) if method == "S256" else verifier
        if not _eq(computed, challenge):
            raise _OAuthError(400, "invalid_grant", "PKCE verification failed: Code mismatch")

    def _password(
        self, form: Mapping[str, str], realm: Realm, client: RealmClient, issuer: str
    ) -> dict[str, Any]:
        if not client.direct_access_grants:
            raise _OAuthError(400, "unauthorized_client", "Client not allowed for direct access grants")
        username = form.get("username")
        if not username:
            raise _OAuthError(401, "invalid_request", "Missing parameter: username")
        now, bad = self.state.clock(), realm.invalid_credentials_status
        user = realm.find_user(username.strip())
        if user is None:
            raise _OAuthError(bad, "invalid_grant", _BAD_USER)
        if not user.enabled:
            raise _OAuthError(400, "invalid_grant", "Account disabled")
        if realm.locked(user, now):  # answered like a wrong password (ValidateUsername)
            raise _OAuthError(bad, "invalid_grant", _BAD_USER)
        if not user.check_password(form.get("password")):
            with self.state.lock:
                realm.record_failure(user, now)
            raise _OAuthError(bad, "invalid_grant", _BAD_USER)
        if user.totp_secret is not None:
            code = form.get("otp") or form.get("totp")
            if not self.state.accept_totp(realm, user, code):  # a reused code is a wrong one
                with self.state.lock:
                    realm.record_failure(user, now)
                raise _OAuthError(401, "invalid_grant", _BAD_USER)
        if user.required_actions:
            raise _OAuthError(400, "invalid_grant", "Account is not fully set up")
        with self.state.lock:
            realm.record_success(user)
        sso = self.state.new_sso(realm, user)
        return token_response(
            self.state,
            issuer=issuer,
            realm=realm,
            client=client,
            user=user,
            sid=sso.id,
            scope=form.get("scope") or "",
            auth_time=sso.auth_time,
        )

    def _refresh(
        self, form: Mapping[str, str], realm: Realm, client: RealmClient, issuer: str
    ) -> dict[str, Any]:
        with self.state.lock:
            issued = self.state.refresh_tokens.pop(form.get("refresh_token") or "", None)
        if issued is None or issued.realm is not realm or self.state.clock() >= issued.expires_at:
            raise _OAuthError(400, "invalid_grant", "Invalid refresh token")
        if issued.client is not client:
            raise _OAuthError(
                400, "invalid_grant", "Invalid refresh token. Token client and authorized client don't match"
            )
        if not issued.user.enabled:
            raise _OAuthError(400, "invalid_grant", "User disabled")
        return token_response(
            self.state,
            issuer=issuer,
            realm=realm,
            client=client,
            user=issued.user,
            sid=issued.sid,
            scope=issued.scope,
            auth_time=issued.auth_time,
        )

    # -- UserInfo, revocation, logout ------------------------------------------------------------

    def userinfo(self, request: Request, realm: Realm) -> HttpAnswer:
        authorization = request.header("authorization") or ""
        token = authorization[7:] if authorization[:7].lower() == "bearer " else ""
        if not token and request.method == "POST":
            token = request.form().get("access_token", "")
        with self.state.lock:
            issued = self.state.access_tokens.get(token)
        if issued is None or issued.realm is not realm or self.state.clock() >= issued.expires_at:
            challenge = (
                f'Bearer realm="{realm.name}", error="invalid_token", '
                'error_description="Token verification failed"'
            )
            doc = {"error": "invalid_token", "error_description": "Token verification failed"}
            return HttpAnswer.json(401, doc, **{"WWW-Authenticate": challenge})
        scopes = {*issued.scope.split(), "profile", "email"}
        return HttpAnswer.json(200, {"sub": issued.user.id, **user_claims(realm, issued.user, scopes)})

    def revoke(self, request: Request, realm: Realm) -> HttpAnswer:
        form = request.form()
        try:
            client = self._client(request, form, realm)
        except _OAuthError as refused:
            return refused.answer()
        token = form.get("token")
        if not token:
            return _OAuthError(400, "invalid_request", "Token not provided").answer()
        with self.state.lock:
            for table in (self.state.refresh_tokens, self.state.access_tokens):
                issued = table.get(token)
                if issued is not None and issued.client is client:
                    del table[token]
        return HttpAnswer(200, {"Cache-Control": "no-store", "Content-Length": "0"})

    def logout(self, request: Request, realm: Realm, sid: str | None) -> HttpAnswer:
        """RP-initiated logout: end the browser's SSO session; redirect when the URI is allowed."""
        if sid:
            self.state.end_sso(sid)
        q = request.query
        target = q.get("post_logout_redirect_uri")
        client = realm.clients.get(q.get("client_id", ""))
        if target and client is not None and client.valid_redirect(target):
            params = {"state": q["state"]} if "state" in q else {}
            return HttpAnswer.redirect(with_query(target, params) if params else target)
        if target:
            return HttpAnswer.page(400, error_page(realm.name, "Invalid redirect uri"))
        return HttpAnswer.page(200, error_page(realm.name, "You are logged out"))
