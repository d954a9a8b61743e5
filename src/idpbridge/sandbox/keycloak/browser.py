"""The browser side of the Keycloak face: the authorization endpoint and the login pages.

``GET …/protocol/openid-connect/auth`` runs Keycloak's checks in its order (client, redirect URI
— both answered with an error *page*, never a redirect — then response type/mode and PKCE,
answered by redirecting the error to the client), reuses a live SSO session (``prompt=none``
without one is ``login_required``), or starts an authentication session (cookie
``AUTH_SESSION_ID``) and shows the login form. The form posts to
``…/login-actions/authenticate?session_code=…&execution=…&client_id=…&tab_id=…``; a user with
an authenticator app gets the one-time-code form next. Success sets ``KEYCLOAK_IDENTITY`` and
sends ``state``, ``session_state``, ``iss`` and ``code`` to the client (query, fragment or
``form_post``). Error strings are Keycloak's (``AuthorizationEndpointChecker``, the login theme's
English messages).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from urllib.parse import urlencode

from .._http import HttpAnswer, Request, with_query
from .pages import error_page, form_post_page, login_page, otp_page
from .realm import Realm, RealmClient, RealmUser
from .state import AuthSession, CodeGrant, KeycloakState, SsoSession

__all__ = ["BrowserFlow"]

AUTH_COOKIE, IDENTITY_COOKIE = "AUTH_SESSION_ID", "KEYCLOAK_IDENTITY"
_MODES = frozenset({"query", "fragment", "form_post"})
_PKCE = re.compile(r"[0-9a-zA-Z\-._~]{43,128}")
INVALID_USER = "Invalid username or password."
INVALID_OTP = "Invalid authenticator code."
DISABLED = "Account is disabled, contact your administrator."
NO_COOKIE = "Cookie not found. Please make sure cookies are enabled in your browser."
TIMED_OUT = "Your login attempt timed out. Login will start from the beginning."
EXPIRED_ACTION = "Action expired. Please continue with login now."


class _Refused(Exception):
    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.error, self.description = error, description


class BrowserFlow:
    """Authorization endpoint and login actions over one :class:`KeycloakState`."""

    def __init__(self, state: KeycloakState) -> None:
        self.state = state

    def _cookie(self, realm: Realm, name: str, value: str, *, max_age: int | None = None) -> str:
        path = f"{self.state.relative_path}/realms/{realm.name}/"
        age = f"; Max-Age={max_age}" if max_age is not None else ""
        return f"{name}={value}; Path={path}; HttpOnly; SameSite=Lax{age}"

    # -- authorization endpoint ------------------------------------------------------------------

    def authorize(self, request: Request, realm: Realm) -> HttpAnswer:
        q = request.query
        client = realm.clients.get(q.get("client_id", ""))
        if client is None:
            return HttpAnswer.page(400, error_page(realm.name, "Client not found."))
        redirect_uri = client.valid_redirect(q.get("redirect_uri"))
        if redirect_uri is None:
            return HttpAnswer.page(400, error_page(realm.name, "Invalid parameter: redirect_uri"))
        issuer = self.state.issuer(request.base_url, realm)
        mode = q.get("response_mode") or "query"
        try:
            if mode not in _MODES:
                mode = "query"
                raise _Refused("invalid_request", "Invalid parameter: response_mode")
            self._check(client, q)
        except _Refused as refused:
            return self._to_client(
                redirect_uri, mode, q, issuer, error=refused.error, description=refused.description
            )
        prompt = set((q.get("prompt") or "").split())
        sso = self.state.live_sso(realm, request.cookies().get(IDENTITY_COOKIE))
        if sso is not None and "login" not in prompt and not self._too_old(sso, q.get("max_age")):
            return self._issue_code(realm, client, sso, q, issuer, acr="0")
        if "none" in prompt:
            return self._to_client(redirect_uri, mode, q, issuer, error="login_required")
        root = request.cookies().get(AUTH_COOKIE) or str(uuid.uuid4())
        session = AuthSession(
            id=secrets.token_urlsafe(8),
            realm=realm,
            client=client,
            params={k: v for k, v in q.items() if isinstance(v, str)} | {"_root": root},
            expires_at=self.state.clock() + self.state.LOGIN_LIFESPAN,
            typed_username=q.get("login_hint", ""),
        )
        with self.state.lock:
            self.state.auth_sessions[session.id] = session
        cookie = self._cookie(realm, AUTH_COOKIE, root)
        return self._page(request, session, cookies=(cookie,))

    @staticmethod
    def _check(client: RealmClient, q: Mapping[str, str]) -> None:
        response_type = q.get("response_type")
        if not response_type:
            raise _Refused("invalid_request", "Missing parameter: response_type")
        if response_type != "code":
            raise _Refused("unsupported_response_type")
        if not client.standard_flow:
            raise _Refused(
                "unauthorized_client",
                "Client is not allowed to initiate browser login with given response_type. "
                "Standard flow is disabled for the client.",
            )
        challenge, method = q.get("code_challenge"), q.get("code_challenge_method")
        if client.pkce_method:
            if method is None:
                raise _Refused("invalid_request", "Missing parameter: code_challenge_method")
            if method != client.pkce_method:
                raise _Refused(
                    "invalid_request",
                    "Invalid parameter: code challenge method is not matching the configured one",
                )
            if challenge is None:
                raise _Refused("invalid_request", "Missing parameter: code_challenge")
        elif challenge is None:
            if method is not None:
                raise _Refused("invalid_request", "Missing parameter: code_challenge")
            return
        elif method is not None and method not in ("S256", "plain"):
            raise _Refused("invalid_request", "Invalid parameter: code_challenge_method")
        if challenge is not None and not _PKCE.fullmatch(challenge):
            raise _Refused("invalid_request", "Invalid parameter: code_challenge")

    def _too_old(self, sso: SsoSession, max_age: str | None) -> bool:
        if max_age is None or not max_age.isdigit():
            return False
        return self.state.clock() - sso.auth_time > int(max_age)

    # -- login actions ---------------------------------------------------------------------------

    def authenticate(self, request: Request, realm: Realm) -> HttpAnswer:
        """``POST …/login-actions/authenticate``: the login and one-time-code forms."""
        q, form = request.query, request.form()
        root = request.cookies().get(AUTH_COOKIE)
        if root is None:
            return HttpAnswer.page(400, error_page(realm.name, NO_COOKIE))
        with self.state.lock:
            session = self.state.auth_sessions.get(q.get("tab_id", ""))
        now = self.state.clock()
        if (
            session is None
            or session.realm is not realm
            or session.params.get("_root") != root
            or now >= session.expires_at
        ):
            return HttpAnswer.page(400, error_page(realm.name, TIMED_OUT))
        if q.get("session_code") != session.session_code:
            return self._page(request, session, error=EXPIRED_ACTION)
        if session.step == "otp" and session.user is not None:
            return self._otp(request, session, session.user, form.get("otp"))
        username = (form.get("username") or "").strip()
        session.typed_username = username
        user = realm.find_user(username) if username else None
        if user is None or realm.locked(user, now):
            return self._page(request, session, error=INVALID_USER)
        if not user.enabled:
            return self._page(request, session, error=DISABLED)
        if not user.check_password(form.get("password")):
            with self.state.lock:
                realm.record_failure(user, now)
            return self._page(request, session, error=INVALID_USER)
        session.user = user
        if user.totp_secret:
            session.step = "otp"
            return self._page(request, session)
        return self._done(request, session, user)

    def _otp(self, request: Request, session: AuthSession, user: RealmUser, code: str | None) -> HttpAnswer:
        realm, now = session.realm, self.state.clock()
        if realm.locked(user, now) or not self.state.accept_totp(realm, user, code):  # spent = wrong
            with self.state.lock:
                realm.record_failure(user, now)
            return self._page(request, session, error=INVALID_OTP)
        return self._done(request, session, user)

    def _done(self, request: Request, session: AuthSession, user: RealmUser) -> HttpAnswer:
        realm = session.realm
        with self.state.lock:
            realm.record_success(user)
            self.state.auth_sessions.pop(session.id, None)
        if user.required_actions:
            message = (
                f"Account is not fully set up (required actions: {', '.join(user.required_actions)}). "
                "The sandbox does not show required-action pages."
            )
            return HttpAnswer.page(400, error_page(realm.name, message))
        sso = self.state.new_sso(realm, user)
        issuer = self.state.issuer(request.base_url, realm)
        answer = self._issue_code(realm, session.client, sso, session.params, issuer, acr="1")
        cookie = self._cookie(realm, IDENTITY_COOKIE, sso.id)
        return HttpAnswer(answer.status, answer.headers, answer.body, (*answer.cookies, cookie))

    def _page(
        self,
        request: Request,
        session: AuthSession,
        *,
        error: str | None = None,
        cookies: tuple[str, ...] = (),
    ) -> HttpAnswer:
        realm = session.realm
        params = {
            "session_code": session.next_code(),
            "execution": str(uuid.uuid4()),
            "client_id": session.client.client_id,
            "tab_id": session.id,
        }
        base = f"{request.base_url}{self.state.relative_path}/realms/{realm.name}"
        action = f"{base}/login-actions/authenticate?{urlencode(params)}"
        if session.step == "otp":
            return HttpAnswer.page(200, otp_page(realm.name, action, error=error), cookies=cookies)
        text = login_page(realm.name, action, username=session.typed_username, error=error)
        return HttpAnswer.page(200, text, cookies=cookies)

    # -- responses to the client -----------------------------------------------------------------

    def _issue_code(
        self,
        realm: Realm,
        client: RealmClient,
        sso: SsoSession,
        q: Mapping[str, str],
        issuer: str,
        *,
        acr: str,
    ) -> HttpAnswer:
        code = f"{uuid.uuid4()}.{sso.id}.{secrets.token_urlsafe(24)}"
        redirect_uri = q["redirect_uri"]
        grant = CodeGrant(
            realm=realm,
            client=client,
            sso=sso,
            redirect_uri=redirect_uri,
            scope=q.get("scope") or "openid",
            nonce=q.get("nonce"),
            challenge=q.get("code_challenge"),
            challenge_method=q.get("code_challenge_method") or ("plain" if q.get("code_challenge") else None),
            expires_at=self.state.clock() + self.state.CODE_LIFESPAN,
            acr=acr,
        )
        with self.state.lock:
            self.state.codes[code] = grant
        params = {"session_state": sso.id, "iss": issuer, "code": code}
        mode = q.get("response_mode") or "query"
        return self._respond(redirect_uri, mode if mode in _MODES else "query", q, params)

    def _to_client(
        self,
        redirect_uri: str,
        mode: str,
        q: Mapping[str, str],
        issuer: str,
        *,
        error: str,
        description: str | None = None,
    ) -> HttpAnswer:
        params = {"error": error}
        if description:
            params["error_description"] = description
        return self._respond(redirect_uri, mode, q, {**params, "iss": issuer})

    @staticmethod
    def _respond(redirect_uri: str, mode: str, q: Mapping[str, str], params: dict[str, str]) -> HttpAnswer:
        out = {"state": q["state"], **params} if "state" in q else params
        if mode == "form_post":
            return HttpAnswer.page(200, form_post_page(redirect_uri, out))
        return HttpAnswer.redirect(with_query(redirect_uri, out, fragment=mode == "fragment"))
