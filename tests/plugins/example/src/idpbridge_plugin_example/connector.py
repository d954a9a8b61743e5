"""An idpbridge connector that authenticates against a fixed in-memory user table.

It talks to nothing external, yet goes through the whole public contract: configuration, the
``password`` method, an :class:`~idpbridge.InputRequired` TOTP step resumed through a sealed
continuation, typed failures, and a normalized :class:`~idpbridge.Identity`.

Users (password ``correct horse battery staple`` for all of them):

* ``jane@example.com`` — signs in directly;
* ``mfa@example.com`` — then needs a TOTP code (RFC 6238, SHA-1, 30 s, 6 digits) for
  :data:`TOTP_SECRET`;
* ``locked@example.com`` — locked; ``disabled@example.com`` — disabled.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import struct
from typing import ClassVar

from pydantic import Field

from idpbridge.kit import (
    AccountDisabled,
    AccountLocked,
    Answer,
    Authenticated,
    ClaimSource,
    Connector,
    ConnectorConfig,
    Continuation,
    Identity,
    InputField,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Method,
    Outcome,
    Password,
    TokenSet,
)

__all__ = ["PASSWORD", "TOTP_SECRET", "ExampleConfig", "ExampleConnector", "totp_code"]

#: The password every demo user has.
PASSWORD = "correct horse battery staple"
#: Base32 TOTP secret of ``mfa@example.com``.
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
_SALT = b"idpbridge-plugin-example"
_ITERATIONS = 10_000


def _hash(password: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), _SALT, _ITERATIONS)


@dataclasses.dataclass(frozen=True)
class _User:
    id: str
    email: str
    name: str
    password_hash: bytes
    groups: tuple[str, ...] = ()
    totp_secret: str | None = None
    locked: bool = False
    disabled: bool = False


_USERS = {
    u.email: u
    for u in (
        _User("u-1001", "jane@example.com", "Jane Doe", _hash(PASSWORD), ("staff", "admins")),
        _User("u-1002", "mfa@example.com", "Max Factor", _hash(PASSWORD), ("staff",), TOTP_SECRET),
        _User("u-1003", "locked@example.com", "Lou Locke", _hash(PASSWORD), locked=True),
        _User("u-1004", "disabled@example.com", "Dee Abel", _hash(PASSWORD), disabled=True),
    )
}
_DUMMY_HASH = _hash("no such user")


def totp_code(secret: str, at: float, *, step: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code for ``secret`` (base32) at POSIX time ``at``."""
    key = base64.b32decode(secret)
    mac = hmac.new(key, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


class ExampleConfig(ConnectorConfig):
    """Configuration of the example connector."""

    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD})

    realm: str = Field("example", min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")


class ExampleConnector(Connector[ExampleConfig]):
    """Password (+ TOTP step) against the in-memory user table."""

    name = "example"
    title = "Example (in-memory users)"
    methods = frozenset({Method.PASSWORD})
    Config = ExampleConfig

    async def password(self, request: Password) -> Outcome:
        user = _USERS.get(request.username)
        candidate = _hash(request.password.get_secret_value())
        # Compare against a dummy hash for unknown users so both paths cost the same.
        if not hmac.compare_digest(candidate, user.password_hash if user else _DUMMY_HASH) or not user:
            raise InvalidCredentials("wrong username or password")
        if user.locked:
            raise AccountLocked("the account is locked")
        if user.disabled:
            raise AccountDisabled("the account is disabled")
        if user.totp_secret:
            token, expires_at = self.seal(Method.PASSWORD, {"u": user.email, "step": "totp"})
            return InputRequired(
                fields=(InputField("totp", "totp", label="Authenticator code"),),
                continuation=token,
                expires_at=expires_at,
            )
        return self._authenticated(user, amr=("pwd",))

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        user = _USERS.get(str(continuation.data.get("u")))
        if user is None or user.totp_secret is None or continuation.data.get("step") != "totp":
            raise InvalidCredentials("this step does not belong to a TOTP sign-in")
        code = request.values.get("totp")
        now = self.clock()
        expected = [totp_code(user.totp_secret, now + drift) for drift in (-30, 0, 30)]
        given = code.get_secret_value() if code is not None else ""
        if not any(hmac.compare_digest(given.encode(), e.encode()) for e in expected):
            token, _ = self.seal(Method.PASSWORD, dict(continuation.data))
            raise InvalidCode("wrong authenticator code", continuation=token)
        return self._authenticated(user, amr=("pwd", "otp"))

    def _authenticated(self, user: _User, *, amr: tuple[str, ...]) -> Authenticated:
        claims = {"sub": user.id, "email": user.email, "name": user.name, "groups": list(user.groups)}
        identity = Identity(
            provider=self.name,
            connector=self.instance_name,
            issuer=f"urn:idpbridge-plugin-example:{self.config.realm}",
            subject=user.id,
            email=user.email,
            email_verified=True,
            username=user.email,
            name=user.name,
            groups=user.groups,
            amr=amr,
            claims=claims,
            sources=dict.fromkeys(claims, ClaimSource.PROVIDER_API),
        )
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.PASSWORD)
