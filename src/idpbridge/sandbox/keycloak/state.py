"""Runtime state of the Keycloak face: realms, their keys, login sessions, codes and tokens.

Nothing here speaks HTTP (see :mod:`.app`). One lock guards every mutation; the server is
threaded.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
import uuid
from collections.abc import Callable

from joserfc.jwk import RSAKey

from .._otp import verify_totp
from .._tokens import KeyRing
from .realm import Realm, RealmClient, RealmUser

__all__ = ["AuthSession", "CodeGrant", "Issued", "KeycloakState", "SsoSession"]


@dataclasses.dataclass
class AuthSession:
    """A browser login in progress (Keycloak's authentication session, keyed by its cookie)."""

    id: str
    realm: Realm
    client: RealmClient
    params: dict[str, str]
    expires_at: float
    step: str = "password"  # password | otp
    session_code: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(32))
    user: RealmUser | None = None
    typed_username: str = ""

    def next_code(self) -> str:
        """A fresh ``session_code`` (Keycloak rotates it at every step)."""
        self.session_code = secrets.token_urlsafe(32)
        return self.session_code


@dataclasses.dataclass
class SsoSession:
    """A signed-in browser (the ``KEYCLOAK_IDENTITY`` cookie); ``id`` is the tokens' ``sid``."""

    id: str
    realm: Realm
    user: RealmUser
    auth_time: int
    expires_at: float


@dataclasses.dataclass
class CodeGrant:
    """An authorization code waiting for its token request."""

    realm: Realm
    client: RealmClient
    sso: SsoSession
    redirect_uri: str
    scope: str
    nonce: str | None
    challenge: str | None
    challenge_method: str | None
    expires_at: float
    acr: str


@dataclasses.dataclass
class Issued:
    """Who an access or refresh token belongs to."""

    realm: Realm
    client: RealmClient
    user: RealmUser
    sid: str
    scope: str
    auth_time: int
    expires_at: float


class KeycloakState:
    """Realms and everything issued for them by one running sandbox (thread-safe)."""

    CODE_LIFESPAN = 60.0  # "Client login timeout"
    LOGIN_LIFESPAN = 1800.0  # "Login timeout" of an authentication session
    #: The realm OTP policy's defaults: 30 s period, look-ahead window 1 (one step either side).
    OTP_PERIOD, OTP_WINDOW = 30, 1

    def __init__(self, *, relative_path: str = "", clock: Callable[[], float] = time.time) -> None:
        if relative_path and (not relative_path.startswith("/") or relative_path.endswith("/")):
            raise ValueError("relative_path is '' or like '/auth'")
        self.relative_path = relative_path
        self.clock = clock
        self.realms: dict[str, Realm] = {}
        self.keys: dict[str, KeyRing] = {}
        self.enc_keys: dict[str, RSAKey] = {}
        self.auth_sessions: dict[str, AuthSession] = {}
        self.sso_sessions: dict[str, SsoSession] = {}
        self.codes: dict[str, CodeGrant] = {}
        self.access_tokens: dict[str, Issued] = {}
        self.refresh_tokens: dict[str, Issued] = {}
        #: Spent TOTP codes: ``(realm, user id, code)`` -> until when a reuse is refused.
        self.used_otps: dict[tuple[str, str, str], float] = {}
        self.lock = threading.RLock()

    def add_realm(self, realm: Realm) -> Realm:
        """Serve ``realm`` (with its own signing keys and an encryption key, as Keycloak has)."""
        with self.lock:
            self.realms[realm.name] = realm
            self.keys[realm.name] = KeyRing()
            self.enc_keys[realm.name] = KeyRing.encryption_key()
        return realm

    def rotate_keys(self) -> dict[str, str]:
        """A new active signing key in every realm (old ones stay published); ``{realm: kid}``."""
        with self.lock:
            return {name: ring.rotate() for name, ring in self.keys.items()}

    def issuer(self, base_url: str, realm: Realm) -> str:
        """``{base}{relative_path}/realms/{realm}``; the base is the request's host, as in Keycloak."""
        return f"{base_url}{self.relative_path}/realms/{realm.name}"

    def new_sso(self, realm: Realm, user: RealmUser) -> SsoSession:
        now = self.clock()
        sso = SsoSession(str(uuid.uuid4()), realm, user, int(now), now + realm.sso_session_idle)
        with self.lock:
            self.sso_sessions[sso.id] = sso
        return sso

    def live_sso(self, realm: Realm, sid: str | None) -> SsoSession | None:
        """The SSO session ``sid`` of ``realm`` if it is still valid and its user enabled."""
        if not sid:
            return None
        with self.lock:
            sso = self.sso_sessions.get(sid)
            if sso is None or sso.realm is not realm or self.clock() >= sso.expires_at:
                return None
            if not sso.user.enabled:
                return None
            return sso

    def end_sso(self, sid: str) -> None:
        """Log out: the SSO session and every token issued in it die."""
        with self.lock:
            self.sso_sessions.pop(sid, None)
            for table in (self.access_tokens, self.refresh_tokens):
                for token in [t for t, i in table.items() if i.sid == sid]:
                    del table[token]

    def accept_totp(self, realm: Realm, user: RealmUser, code: str | None) -> bool:
        """Whether ``code`` is ``user``'s valid TOTP code, **spending** it: a code is good once.

        Keycloak's ``OTPCredentialProvider.isValid`` (keycloak/keycloak,
        ``services/src/main/java/org/keycloak/credential/OTPCredentialProvider.java``, read at
        commit 4400f3c1ada448d43d696d09871fb7ab697aa049): when the realm's OTP policy is not
        "reusable" (``OTPPolicy.DEFAULT_IS_REUSABLE = false``), a valid TOTP is accepted only if
        ``singleUseObjects().putIfAbsent(credentialId + "." + code, period * (2 * lookAhead + 1))``
        succeeds — the same user's same code is refused for as long as it could be valid
        (90 s by default), whatever step it belongs to. The caller answers a reused code exactly
        as a wrong one (direct grant ``ValidateOTP``: 401 ``invalid_grant`` "Invalid user
        credentials"; login page ``OTPFormAuthenticator``: "Invalid authenticator code.").
        """
        if user.totp_secret is None:
            return False
        now = self.clock()
        if not verify_totp(user.totp_secret, code, now, window=self.OTP_WINDOW, step=self.OTP_PERIOD):
            return False
        key = (realm.name, user.id, str(code))
        with self.lock:
            until = self.used_otps.get(key)
            if until is not None and now < until:
                return False
            self.used_otps[key] = now + self.OTP_PERIOD * (2 * self.OTP_WINDOW + 1)
        return True

    def prune(self) -> None:
        """Forget what has expired (called on every request; keeps memory flat)."""
        now = self.clock()
        with self.lock:
            for table in (self.auth_sessions, self.sso_sessions, self.codes, self.access_tokens):
                for key in [k for k, v in table.items() if now >= v.expires_at]:
                    del table[key]
            for spent in [k for k, until in self.used_otps.items() if now >= until]:
                del self.used_otps[spent]
