"""Authentication methods and the request types that start or resume them.

Every request is a frozen dataclass. Secret fields (passwords, codes, tokens, continuations) are
held as :class:`pydantic.SecretStr`, so they never show up in ``repr``, ``str`` or logs; a plain
``str`` passed in is wrapped for you.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import SecretStr

__all__ = [
    "TOTP",
    "Answer",
    "ExternalToken",
    "FinishOIDC",
    "Method",
    "OTPChannel",
    "Password",
    "Request",
    "StartOIDC",
    "StartOTP",
    "VerifyOTP",
]


class Method(enum.StrEnum):
    """An authentication method a connector can offer."""

    OIDC = "oidc"
    """OpenID Connect authorization code flow with PKCE (browser redirect)."""
    PASSWORD = "password"
    """Username and password checked by the IdP (ROPC or the IdP's own API)."""
    EMAIL_OTP = "email_otp"
    """A one-time code sent by e-mail."""
    SMS_OTP = "sms_otp"
    """A one-time code sent by SMS."""
    TOTP = "totp"
    """A time-based one-time password from an authenticator app."""
    TOKEN = "token"
    """Validation of a token the legacy IdP already issued to the client."""


class OTPChannel(enum.StrEnum):
    """Where a one-time code is delivered."""

    EMAIL = "email"
    SMS = "sms"

    @property
    def method(self) -> Method:
        """The :class:`Method` this channel belongs to."""
        return Method.EMAIL_OTP if self is OTPChannel.EMAIL else Method.SMS_OTP


def _secret(value: SecretStr | str | None) -> SecretStr | None:
    if value is None or isinstance(value, SecretStr):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected str or SecretStr, got {type(value).__name__}")
    return SecretStr(value)


def _freeze(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        object.__setattr__(obj, name, _secret(value))


class Request:
    """Base of every request type. ``method`` tells which :class:`Method` it belongs to, or
    ``None`` when it resumes a flow (the continuation knows)."""

    __slots__ = ()
    method: ClassVar[Method | None] = None


@dataclasses.dataclass(frozen=True, slots=True)
class Password(Request):
    """Check a username and password with the IdP."""

    username: str
    password: SecretStr

    method: ClassVar[Method | None] = Method.PASSWORD

    def __post_init__(self) -> None:
        _freeze(self, "password")


@dataclasses.dataclass(frozen=True, slots=True)
class StartOIDC(Request):
    """Start an authorization-code flow; the answer is a :class:`~idpbridge.RedirectRequired`."""

    redirect_uri: str
    scopes: tuple[str, ...] | None = None
    prompt: str | None = None
    login_hint: str | None = None
    acr_values: tuple[str, ...] | None = None
    claims: Mapping[str, Any] | None = None
    response_mode: str | None = None
    extra_params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    method: ClassVar[Method | None] = Method.OIDC

    def __post_init__(self) -> None:
        if isinstance(self.scopes, str):
            object.__setattr__(self, "scopes", tuple(self.scopes.split()))
        elif self.scopes is not None:
            object.__setattr__(self, "scopes", tuple(self.scopes))
        if isinstance(self.acr_values, str):
            object.__setattr__(self, "acr_values", tuple(self.acr_values.split()))
        elif self.acr_values is not None:
            object.__setattr__(self, "acr_values", tuple(self.acr_values))
        object.__setattr__(self, "extra_params", MappingProxyType(dict(self.extra_params)))


@dataclasses.dataclass(frozen=True, slots=True)
class FinishOIDC(Request):
    """Finish an authorization-code flow with what the IdP sent to the redirect URI.

    ``callback_params`` is the query string (``response_mode=query``) or the POSTed form
    (``form_post``) as a mapping; values may be strings or single-item lists.
    """

    callback_params: Mapping[str, Any]
    continuation: SecretStr

    method: ClassVar[Method | None] = Method.OIDC

    def __post_init__(self) -> None:
        _freeze(self, "continuation")
        object.__setattr__(self, "callback_params", MappingProxyType(dict(self.callback_params)))

    def __repr__(self) -> str:
        keys = sorted(self.callback_params)
        return f"FinishOIDC(callback_params=<{', '.join(keys)}>, continuation=SecretStr('**********'))"


@dataclasses.dataclass(frozen=True, slots=True)
class StartOTP(Request):
    """Ask the IdP to send a one-time code over ``channel``."""

    username: str
    channel: OTPChannel

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", OTPChannel(self.channel))

    @property
    def otp_method(self) -> Method:
        """The :class:`Method` this request uses (``email_otp`` or ``sms_otp``)."""
        return self.channel.method


@dataclasses.dataclass(frozen=True, slots=True)
class VerifyOTP(Request):
    """Answer a :class:`~idpbridge.CodeSent` with the code the user received."""

    code: SecretStr
    continuation: SecretStr

    def __post_init__(self) -> None:
        _freeze(self, "code", "continuation")


@dataclasses.dataclass(frozen=True, slots=True)
class TOTP(Request):
    """Authenticate with a TOTP code (and the password, where the IdP needs both)."""

    username: str
    code: SecretStr
    password: SecretStr | None = None

    method: ClassVar[Method | None] = Method.TOTP

    def __post_init__(self) -> None:
        _freeze(self, "code", "password")


@dataclasses.dataclass(frozen=True, slots=True)
class Answer(Request):
    """Answer an :class:`~idpbridge.InputRequired` step with the requested ``values``."""

    continuation: SecretStr
    values: Mapping[str, SecretStr]

    def __post_init__(self) -> None:
        _freeze(self, "continuation")
        frozen = {k: _secret(v) for k, v in dict(self.values).items()}
        object.__setattr__(self, "values", MappingProxyType(frozen))

    def __repr__(self) -> str:
        return f"Answer(continuation=SecretStr('**********'), values=<{', '.join(sorted(self.values))}>)"


@dataclasses.dataclass(frozen=True, slots=True)
class ExternalToken(Request):
    """Validate a token the legacy IdP already issued (ID token or JWT access token).

    When ``username`` is given, it must match the configured username claim of the token.
    """

    token: SecretStr
    username: str | None = None

    method: ClassVar[Method | None] = Method.TOKEN

    def __post_init__(self) -> None:
        _freeze(self, "token")
