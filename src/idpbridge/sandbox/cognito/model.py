"""State and sign-in logic of the Cognito emulator (no HTTP here; see :mod:`.server`).

Behaviour follows botocore's ``cognito-idp`` service model (1.43.11,
``botocore/data/cognito-idp/2016-04-18/service-2.json``; ``tests/providers/cognito/test_model.py``
checks every exchange against the installed one) and the documented wire exchanges: required members
and enums validated as AWS does (``InvalidParameterException`` "1 validation error detected: …", as
in https://github.com/boto/boto3/issues/3581), SECRET_HASH checked on every call (over the
*internal* user name in challenge responses), a new Session on every step with the old one dead,
single-use codes, sessions that expire, ``PreventUserExistenceErrors`` (``ENABLED`` simulates
choice-based sign-in for unknown users, ``LEGACY`` raises ``UserNotFoundException``). Codes "sent"
by e-mail or SMS land in :attr:`CognitoState.outbox`.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from .._otp import verify_totp
from .entities import Client, CognitoFault, Message, Pool, User
from .tokens import TokenMinter

__all__ = ["AUTH_FLOWS", "CHALLENGE_NAMES", "CognitoState"]

#: ``AuthFlowType`` and ``ChallengeNameType`` of the service model (the test compares them).
AUTH_FLOWS = (
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "USER_AUTH",
)
CHALLENGE_NAMES = (
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
    "WEB_AUTHN",
    "PASSWORD_SRP",
)
_CLIENT_ID = re.compile(r"[\w+]{1,128}")


def _invalid(member: str, value: object, constraint: str) -> CognitoFault:
    shown = "null" if value is None else repr(value) if isinstance(value, str) else "a non-string value"
    return CognitoFault(
        "InvalidParameterException",
        f"1 validation error detected: Value {shown} at '{member}' "
        f"failed to satisfy constraint: {constraint}",
    )


def _required(body: dict[str, Any], member: str, wire: str, enum: tuple[str, ...] | None = None) -> str:
    """A required string member, validated as AWS does (null, enum, the client-id pattern)."""
    value = body.get(member)
    if not isinstance(value, str):
        raise _invalid(wire, value, "Member must not be null")
    if enum is not None and value not in enum:
        raise _invalid(wire, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
    if member == "ClientId" and not _CLIENT_ID.fullmatch(value):
        raise _invalid(wire, value, "Member must satisfy regular expression pattern: [\\w+]+")
    return value


@dataclasses.dataclass(frozen=True)
class _Flow:
    """Who is signing in through which client (``user`` is ``None`` for a simulated sign-in)."""

    pool: Pool
    client: Client
    user: User | None
    typed: str

    @property
    def internal(self) -> str:
        return self.user.username if self.user is not None else self.typed


@dataclasses.dataclass
class _Session:
    flow: _Flow
    challenge: str
    expires_at: float
    code: str | None = None
    failures: int = 0


_CODE_CHALLENGES = {
    "EMAIL_OTP": "EMAIL_OTP_CODE",
    "SMS_OTP": "SMS_OTP_CODE",
    "SMS_MFA": "SMS_MFA_CODE",
    "SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE",
}
_MAX_CODE_FAILURES = 3


def _b(text: str) -> bytes:
    """``text`` as bytes for a constant-time comparison (non-ASCII and lone surrogates allowed)."""
    return text.encode("utf-8", "surrogatepass")


def _mask(channel: str, value: str) -> str:
    if channel == "EMAIL":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return "+" + "*" * max(len(value) - 5, 0) + value[-4:]


class CognitoState:
    """Pools, users, sessions and signing keys of one emulator instance (thread-safe)."""

    def __init__(self, *, clock: Callable[[], float] = time.time, session_ttl: float = 180.0) -> None:
        self.clock = clock
        self.session_ttl = session_ttl
        self.pools: dict[str, Pool] = {}
        self.outbox: list[Message] = []
        self.tokens = TokenMinter()
        #: Access tokens issued -> whose (for ``/oauth2/userInfo``).
        self.access_tokens: dict[str, tuple[Pool, User]] = {}
        self._sessions: dict[str, _Session] = {}
        #: Every Session handed out, newest last (tests check none of them leaks anywhere).
        self.issued_sessions: collections.deque[str] = collections.deque(maxlen=1000)
        self._lock = threading.RLock()
        self.base_url = ""  # set by the server: where the .well-known documents are served

    # -- provisioning ----------------------------------------------------------------------------

    def add_pool(self, region: str = "us-east-1", **kwargs: Any) -> Pool:
        pool = Pool(pool_id=f"{region}_{secrets.token_hex(5)}", region=region, **kwargs)
        self.pools[pool.pool_id] = pool
        return pool

    def add_client(self, pool: Pool, *, secret: bool = True, **kwargs: Any) -> Client:
        client = Client(
            client_id=secrets.token_hex(13), secret=secrets.token_urlsafe(38) if secret else None, **kwargs
        )
        pool.clients[client.client_id] = client
        return client

    def add_user(self, pool: Pool, name: str, **kwargs: Any) -> User:
        internal = str(uuid.uuid4()) if pool.username_attributes else name
        user = User(username=internal, **kwargs)
        user.sub = internal if pool.username_attributes else user.sub
        for attr in pool.username_attributes:
            if attr == "email" and "@" in name:
                user.attributes.setdefault("email", name)
        pool.users[internal] = user
        return user

    # -- operations ---------------------------------------------------------------------------

    def initiate_auth(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            _required(body, "ClientId", "clientId")
            auth_flow = _required(body, "AuthFlow", "authFlow", AUTH_FLOWS)
            if auth_flow.startswith("ADMIN_"):  # AdminInitiateAuth's flows (getmoto/moto#4836)
                raise CognitoFault("InvalidParameterException", "Initiate Auth method not supported")
            pool, client = self._client(body)
            params = body.get("AuthParameters") or {}
            if auth_flow not in ("USER_PASSWORD_AUTH", "USER_AUTH"):
                raise CognitoFault("InvalidParameterException", f"Unsupported auth flow {auth_flow!r}")
            typed = params.get("USERNAME")
            if not isinstance(typed, str) or not typed:
                raise CognitoFault("InvalidParameterException", "Missing required parameter USERNAME")
            if f"ALLOW_{auth_flow}" not in client.flows:
                raise CognitoFault(
                    "InvalidParameterException", f"{auth_flow} flow not enabled for this client"
                )
            self._check_hash(client, typed, params.get("SECRET_HASH"))
            flow = _Flow(pool, client, pool.find(typed), typed)
            if auth_flow == "USER_PASSWORD_AUTH":
                return self._password(flow, params.get("PASSWORD"))
            if flow.user is None and client.prevent_user_existence_errors == "LEGACY":
                raise CognitoFault("UserNotFoundException", "User does not exist.")
            if flow.user is not None:
                self._check_status(flow.user)
            preferred = params.get("PREFERRED_CHALLENGE")
            available = self._available(flow)
            if client.honour_preferred_challenge and preferred in available and preferred != "PASSWORD":
                return self._send_code(flow, str(preferred))
            return self._challenge(flow, "SELECT_CHALLENGE", {}, available=available)

    def respond(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            _required(body, "ClientId", "clientId")
            name = _required(body, "ChallengeName", "challengeName", CHALLENGE_NAMES)
            _, client = self._client(body)
            answers = body.get("ChallengeResponses") or {}
            token = body.get("Session")
            session = self._sessions.get(token) if isinstance(token, str) else None
            if not isinstance(token, str) or session is None or session.flow.client is not client:
                raise CognitoFault("NotAuthorizedException", "Invalid session for the user.")
            if self.clock() >= session.expires_at:
                del self._sessions[token]
                raise CognitoFault(
                    "NotAuthorizedException", "Invalid session for the user, session is expired."
                )
            if name != session.challenge:
                raise CognitoFault("InvalidParameterException", f"Expected challenge {session.challenge}")
            flow = session.flow
            if answers.get("USERNAME") not in (flow.internal, flow.typed):
                raise CognitoFault("NotAuthorizedException", "Incorrect username or password.")
            # Real Cognito wants the hash over the internal user name here, not the alias.
            self._check_hash(client, flow.internal, answers.get("SECRET_HASH"))
            if name == "SELECT_CHALLENGE":
                answer = answers.get("ANSWER")
                if answer not in self._available(flow):
                    raise CognitoFault("InvalidParameterException", "ANSWER is not an available challenge")
                del self._sessions[token]
                if answer == "PASSWORD":
                    return self._password(flow, answers.get("PASSWORD"))
                return self._send_code(flow, str(answer))
            if name == "SELECT_MFA_TYPE":
                answer = answers.get("ANSWER")
                if answer not in ("SOFTWARE_TOKEN_MFA", "SMS_MFA"):
                    raise CognitoFault(
                        "InvalidParameterException", "ANSWER must be SMS_MFA or SOFTWARE_TOKEN_MFA"
                    )
                del self._sessions[token]
                return self._mfa(flow, str(answer))
            key = _CODE_CHALLENGES.get(str(name))
            if key is None:
                raise CognitoFault("InvalidParameterException", f"Unsupported challenge {name!r}")
            return self._check_code(session, token, answers.get(key))

    # -- helpers ----------------------------------------------------------------------------------

    def _client(self, body: dict[str, Any]) -> tuple[Pool, Client]:
        client_id = body.get("ClientId")
        for pool in self.pools.values():
            if isinstance(client_id, str) and client_id in pool.clients:
                return pool, pool.clients[client_id]
        raise CognitoFault("ResourceNotFoundException", "User pool client does not exist.")

    @staticmethod
    def _check_hash(client: Client, username: str, given: object) -> None:
        if client.secret is None:
            if given is not None:
                raise CognitoFault(
                    "InvalidParameterException",
                    f"Client {client.client_id} is not configured for secret but secret hash was received",
                )
            return
        if not isinstance(given, str):
            raise CognitoFault(
                "NotAuthorizedException",
                f"Client {client.client_id} is configured with secret but SECRET_HASH was not received",
            )
        mac = hmac.new(client.secret.encode(), (username + client.client_id).encode(), hashlib.sha256)
        if not hmac.compare_digest(base64.b64encode(mac.digest()), _b(given)):
            raise CognitoFault(
                "NotAuthorizedException", f"Unable to verify secret hash for client {client.client_id}"
            )

    @staticmethod
    def _check_status(user: User) -> None:
        if not user.enabled:
            raise CognitoFault("NotAuthorizedException", "User is disabled.")
        if user.status == "UNCONFIRMED":
            raise CognitoFault("UserNotConfirmedException", "User is not confirmed.")
        if user.status == "RESET_REQUIRED":
            raise CognitoFault("PasswordResetRequiredException", "Password reset required for the user")

    @staticmethod
    def _available(flow: _Flow) -> list[str]:
        factors, user = flow.pool.first_factors, flow.user
        if user is None:  # simulated: everything the pool allows
            return sorted(factors)
        attrs = user.attributes
        return [
            name
            for name, ok in (
                ("PASSWORD", user.password is not None),
                ("EMAIL_OTP", attrs.get("email_verified") == "true"),
                ("SMS_OTP", attrs.get("phone_number_verified") == "true"),
            )
            if ok and name in factors
        ]

    def _challenge(
        self,
        flow: _Flow,
        name: str,
        params: dict[str, str],
        *,
        code: str | None = None,
        available: list[str] | None = None,
    ) -> dict[str, Any]:
        token = "AYABe" + secrets.token_urlsafe(700)
        self._sessions[token] = _Session(flow, name, self.clock() + self.session_ttl, code)
        self.issued_sessions.append(token)
        if flow.user is not None:
            params.setdefault("USERNAME", flow.user.username)
        out: dict[str, Any] = {"ChallengeName": name, "Session": token, "ChallengeParameters": params}
        if available is not None:
            out["AvailableChallenges"] = available
        return out

    def _send_code(self, flow: _Flow, name: str) -> dict[str, Any]:
        channel = "EMAIL" if name == "EMAIL_OTP" else "SMS"
        code: str | None = None
        if flow.user is None:  # a simulated destination; nothing is sent
            h = hashlib.sha256(flow.typed.encode()).hexdigest()
            destination = f"{h[:6]}@{h[6:12]}.com" if channel == "EMAIL" else f"+1555{h[:7]}"
        else:
            destination = flow.user.attributes.get("email" if channel == "EMAIL" else "phone_number", "")
            code = f"{secrets.randbelow(10**6):06d}"
            self.outbox.append(Message(channel, destination, code, flow.user.username))
        params = {
            "CODE_DELIVERY_DELIVERY_MEDIUM": channel,
            "CODE_DELIVERY_DESTINATION": _mask(channel, destination),
        }
        return self._challenge(flow, name, params, code=code)

    def _password(self, flow: _Flow, password: object) -> dict[str, Any]:
        user = flow.user
        if user is None:
            if flow.client.prevent_user_existence_errors == "LEGACY":
                raise CognitoFault("UserNotFoundException", "User does not exist.")
            raise CognitoFault("NotAuthorizedException", "Incorrect username or password.")
        if not isinstance(password, str) or not hmac.compare_digest(_b(password), _b(user.password or "\0")):
            raise CognitoFault("NotAuthorizedException", "Incorrect username or password.")
        self._check_status(user)
        internal = {"USER_ID_FOR_SRP": user.username}
        if user.status == "FORCE_CHANGE_PASSWORD":
            attrs = {k: v for k, v in user.attributes.items() if not k.endswith("_verified")}
            params = {**internal, "requiredAttributes": "[]", "userAttributes": json.dumps(attrs)}
            return self._challenge(flow, "NEW_PASSWORD_REQUIRED", params)
        if user.mfa is None and flow.pool.mfa_required:
            return self._challenge(
                flow, "MFA_SETUP", {**internal, "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
            )
        if user.mfa == "SELECT":
            params = {**internal, "MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}
            return self._challenge(flow, "SELECT_MFA_TYPE", params)
        if user.mfa is not None:
            return self._mfa(flow, user.mfa)
        return self._tokens(flow)

    def _mfa(self, flow: _Flow, name: str) -> dict[str, Any]:
        if name == "SOFTWARE_TOKEN_MFA":
            return self._challenge(flow, name, {"USER_ID_FOR_SRP": flow.internal})
        out = self._send_code(flow, name)
        out["ChallengeParameters"]["USER_ID_FOR_SRP"] = flow.internal
        return out

    def _check_code(self, session: _Session, token: str, given: object) -> dict[str, Any]:
        user = session.flow.user
        if session.challenge == "SOFTWARE_TOKEN_MFA":
            secret = user.totp_secret if user else None
            ok = secret is not None and verify_totp(secret, given, self.clock())
        else:
            code = session.code
            ok = isinstance(given, str) and code is not None and hmac.compare_digest(_b(given), _b(code))
        if not ok:
            session.failures += 1
            if session.failures >= _MAX_CODE_FAILURES:
                del self._sessions[token]
            raise CognitoFault("CodeMismatchException", "Invalid code or auth state for the user.")
        del self._sessions[token]
        return self._tokens(session.flow)

    def _tokens(self, flow: _Flow) -> dict[str, Any]:
        if flow.user is None:  # pragma: no cover - simulated flows never get this far
            raise CognitoFault("NotAuthorizedException", "Incorrect username or password.")
        minted = self.tokens.mint(flow.pool, flow.client, flow.user, now=self.clock())
        self.access_tokens[minted["access_token"]] = (flow.pool, flow.user)
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": minted["access_token"],
                "IdToken": minted["id_token"],
                "RefreshToken": minted["refresh_token"],
                "ExpiresIn": minted["expires_in"],
                "TokenType": "Bearer",
            },
        }

    def jwks(self) -> dict[str, Any]:
        return self.tokens.jwks()

    def openid_configuration(self, pool: Pool) -> dict[str, Any]:
        """The pool's discovery document; with the OAuth endpoints when the Hosted UI is served."""
        base = self.base_url
        doc: dict[str, Any] = {
            "issuer": pool.issuer,
            "jwks_uri": f"{base}/{pool.pool_id}/.well-known/jwks.json",
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
        if base:
            doc.update(
                authorization_endpoint=f"{base}/oauth2/authorize",
                token_endpoint=f"{base}/oauth2/token",
                userinfo_endpoint=f"{base}/oauth2/userInfo",
                revocation_endpoint=f"{base}/oauth2/revoke",
            )
        return doc
