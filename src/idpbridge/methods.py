"""Authentication methods and the request types that start or resume them.

Every request is a frozen dataclass. Secret fields (passwords, codes, tokens, continuations) are
held as :class:`pydantic.SecretStr`, so they never show up in ``repr``, ``str`` or logs; a plain
``str`` passed in is wrapped for you.

Requests are checked when they are built: a field of the wrong type or shape (a missing argument
included) raises :class:`InvalidRequest` (``request.invalid``), and a continuation that is not a
string raises :class:`MalformedContinuation` (``flow.malformed``). Both are also ``TypeError`` and
``ValueError``, so code written against plain Python errors keeps working.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._secrets import secret_type as _secret_type
from .errors import ConfigurationError, FlowError

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = [
    "TOTP",
    "Answer",
    "ExternalToken",
    "FinishOIDC",
    "FinishSAML",
    "InvalidRequest",
    "MalformedContinuation",
    "Method",
    "OTPChannel",
    "Password",
    "PollCIBA",
    "PollDevice",
    "Request",
    "StartCIBA",
    "StartDevice",
    "StartOIDC",
    "StartOTP",
    "StartSAML",
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
    SAML = "saml"
    """SAML 2.0 Web Browser SSO (SP-initiated, browser redirect or POST)."""
    DEVICE = "device"
    """OAuth 2.0 Device Authorization Grant (RFC 8628): the user signs in on another device."""
    CIBA = "ciba"
    """OpenID Connect Client-Initiated Backchannel Authentication: the user approves on their phone."""


class OTPChannel(enum.StrEnum):
    """Where a one-time code is delivered."""

    EMAIL = "email"
    SMS = "sms"

    @property
    def method(self) -> Method:
        """The :class:`Method` this channel belongs to."""
        return Method.EMAIL_OTP if self is OTPChannel.EMAIL else Method.SMS_OTP


class InvalidRequest(ConfigurationError, TypeError, ValueError):
    """A request was built with a field of the wrong type or shape (code ``request.invalid``).

    ``field`` names the offending field. It is a :class:`~idpbridge.ConfigurationError` (a bug in
    the calling code, not a failed sign-in) and also a ``TypeError``/``ValueError``.
    """

    default_code = "request.invalid"


class MalformedContinuation(FlowError, TypeError, ValueError):
    """A continuation that is not a string at all (code ``flow.malformed``)."""

    default_code = "flow.malformed"


R = TypeVar("R", bound=type)


def _checked(cls: R) -> R:
    """Make a missing or unexpected constructor argument an :class:`InvalidRequest`."""
    init: Callable[..., None] = cls.__init__  # type: ignore[misc]

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except TypeError:
            try:  # only now, off the fast path (and off import time): was it the arguments themselves?
                inspect.signature(init).bind(self, *args, **kwargs)
            except TypeError as exc:
                raise InvalidRequest(f"{cls.__name__}() {exc}") from None
            raise

    cls.__init__ = __init__  # type: ignore[misc]
    return cls


def _invalid(obj: object, name: str, expected: str, value: object) -> InvalidRequest:
    return InvalidRequest(
        f"{type(obj).__name__}.{name} must be {expected}, got {type(value).__name__}", field=name
    )


def _secret(value: SecretStr | str | None) -> SecretStr | None:
    secret = _secret_type()
    if value is None or isinstance(value, secret):
        return value
    if not isinstance(value, str):
        raise InvalidRequest(f"expected str or SecretStr, got {type(value).__name__}")
    return secret(value)


def _freeze(obj: object, *names: str, optional: tuple[str, ...] = ()) -> None:
    """Wrap secret fields in :class:`SecretStr`; ``continuation`` fields get the flow error."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str | _secret_type()) or (value is None and name in optional):
            object.__setattr__(obj, name, _secret(value))
        elif name == "continuation":
            raise MalformedContinuation(
                f"continuation is malformed: expected str or SecretStr, got {type(value).__name__}"
            )
        else:
            raise _invalid(obj, name, "a str or SecretStr", value)


def _text(obj: object, *names: str, optional: bool = False) -> None:
    for name in names:
        value = getattr(obj, name)
        if not (isinstance(value, str) or (optional and value is None)):
            raise _invalid(obj, name, "a str" + (" or None" if optional else ""), value)


def _words(obj: object, name: str) -> None:
    """``None``, a space-separated string, or an iterable of strings -> ``None`` or a tuple."""
    value = getattr(obj, name)
    if value is None:
        return
    items: Iterable[Any] = value.split() if isinstance(value, str) else value
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        raise _invalid(obj, name, "a str or an iterable of str", value)
    out = tuple(items)
    if not all(isinstance(v, str) for v in out):
        raise InvalidRequest(f"{type(obj).__name__}.{name} must hold only str values", field=name)
    object.__setattr__(obj, name, out)


def _mapping(obj: object, name: str, check: Callable[[Any], bool], expected: str) -> dict[str, Any]:
    value = getattr(obj, name)
    if not isinstance(value, Mapping):
        raise _invalid(obj, name, "a mapping", value)
    out = dict(value)
    for key, item in out.items():
        if not isinstance(key, str) or not check(item):
            raise InvalidRequest(f"{type(obj).__name__}.{name} must map str to {expected}", field=name)
    return out


def _callback_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


class Request:
    """Base of every request type. ``method`` tells which :class:`Method` it belongs to, or
    ``None`` when it resumes a flow (the continuation knows)."""

    __slots__ = ()
    method: ClassVar[Method | None] = None


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class Password(Request):
    """Check a username and password with the IdP."""

    username: str
    password: SecretStr

    method: ClassVar[Method | None] = Method.PASSWORD

    def __post_init__(self) -> None:
        _text(self, "username")
        _freeze(self, "password")


@_checked
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
        _text(self, "redirect_uri")
        _text(self, "prompt", "login_hint", "response_mode", optional=True)
        _words(self, "scopes")
        _words(self, "acr_values")
        if self.claims is not None and not isinstance(self.claims, Mapping):
            raise _invalid(self, "claims", "a mapping or None", self.claims)
        extra = _mapping(self, "extra_params", lambda v: isinstance(v, str), "str")
        object.__setattr__(self, "extra_params", MappingProxyType(extra))


@_checked
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
        params = _mapping(self, "callback_params", _callback_value, "a str or a list of str")
        _freeze(self, "continuation")
        object.__setattr__(self, "callback_params", MappingProxyType(params))

    def __repr__(self) -> str:
        keys = sorted(self.callback_params)
        return f"FinishOIDC(callback_params=<{', '.join(keys)}>, continuation=SecretStr('**********'))"


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class StartOTP(Request):
    """Ask the IdP to send a one-time code over ``channel``."""

    username: str
    channel: OTPChannel

    def __post_init__(self) -> None:
        _text(self, "username")
        if not isinstance(self.channel, str) or self.channel not in set(OTPChannel):
            known = ", ".join(c.value for c in OTPChannel)
            raise InvalidRequest(f"StartOTP.channel must be one of: {known}", field="channel")
        object.__setattr__(self, "channel", OTPChannel(self.channel))

    @property
    def otp_method(self) -> Method:
        """The :class:`Method` this request uses (``email_otp`` or ``sms_otp``)."""
        return self.channel.method


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class VerifyOTP(Request):
    """Answer a :class:`~idpbridge.CodeSent` with the code the user received."""

    code: SecretStr
    continuation: SecretStr

    def __post_init__(self) -> None:
        _freeze(self, "code", "continuation")


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class TOTP(Request):
    """Authenticate with a TOTP code (and the password, where the IdP needs both)."""

    username: str
    code: SecretStr
    password: SecretStr | None = None

    method: ClassVar[Method | None] = Method.TOTP

    def __post_init__(self) -> None:
        _text(self, "username")
        _freeze(self, "code")
        _freeze(self, "password", optional=("password",))


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class StartDevice(Request):
    """Start a device authorization (RFC 8628); the answer is a :class:`~idpbridge.DeviceCodeIssued`."""

    scopes: tuple[str, ...] | None = None

    method: ClassVar[Method | None] = Method.DEVICE

    def __post_init__(self) -> None:
        _words(self, "scopes")


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class PollDevice(Request):
    """Poll once for the outcome of a device authorization.

    The answer is :class:`~idpbridge.Authenticated`, or :class:`~idpbridge.DevicePending` (poll
    again with its continuation after its ``interval``).
    """

    continuation: SecretStr

    method: ClassVar[Method | None] = Method.DEVICE

    def __post_init__(self) -> None:
        _freeze(self, "continuation")

    def __repr__(self) -> str:
        return "PollDevice(continuation=SecretStr('**********'))"


_MAX_EXPIRY = 3600


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class StartCIBA(Request):
    """Start a backchannel authentication (OpenID CIBA 1.0 §7.1).

    Name the user with exactly one hint: ``login_hint`` (e.g. a username), ``id_token_hint`` (an
    ID token the OP issued) or ``login_hint_token``. ``binding_message`` is shown on both devices,
    ``user_code`` is the user's secret for the OP, ``requested_expiry`` (1 to 3600 s) asks for a
    lifetime. The answer is a :class:`~idpbridge.CIBAStarted`.
    """

    login_hint: str | None = None
    id_token_hint: SecretStr | None = None
    login_hint_token: SecretStr | None = None
    binding_message: str | None = None
    user_code: SecretStr | None = None
    requested_expiry: int | None = None
    acr_values: tuple[str, ...] | None = None
    scopes: tuple[str, ...] | None = None

    method: ClassVar[Method | None] = Method.CIBA

    def __post_init__(self) -> None:
        _text(self, "login_hint", "binding_message", optional=True)
        hidden = ("id_token_hint", "login_hint_token", "user_code")
        _freeze(self, *hidden, optional=hidden)
        _words(self, "acr_values")
        _words(self, "scopes")
        hints = [n for n in ("login_hint", "id_token_hint", "login_hint_token") if getattr(self, n)]
        if len(hints) != 1:
            raise InvalidRequest(
                "StartCIBA needs exactly one of login_hint, id_token_hint and login_hint_token",
                field="login_hint",
            )
        expiry = self.requested_expiry
        if expiry is not None and (
            isinstance(expiry, bool) or not isinstance(expiry, int) or not 0 < expiry <= _MAX_EXPIRY
        ):
            raise InvalidRequest(
                f"StartCIBA.requested_expiry must be an integer from 1 to {_MAX_EXPIRY}",
                field="requested_expiry",
            )

    def __repr__(self) -> str:
        return f"StartCIBA(login_hint={self.login_hint!r}, binding_message={self.binding_message!r})"


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class PollCIBA(Request):
    """Poll once for the outcome of a backchannel authentication.

    The answer is :class:`~idpbridge.Authenticated`, or :class:`~idpbridge.CIBAPending` (poll again
    with its continuation after its ``interval``).
    """

    continuation: SecretStr

    method: ClassVar[Method | None] = Method.CIBA

    def __post_init__(self) -> None:
        _freeze(self, "continuation")

    def __repr__(self) -> str:
        return "PollCIBA(continuation=SecretStr('**********'))"


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class Answer(Request):
    """Answer an :class:`~idpbridge.InputRequired` step with the requested ``values``."""

    continuation: SecretStr
    values: Mapping[str, SecretStr]

    def __post_init__(self) -> None:
        _freeze(self, "continuation")
        values = _mapping(self, "values", lambda v: isinstance(v, str | _secret_type()), "str or SecretStr")
        object.__setattr__(self, "values", MappingProxyType({k: _secret(v) for k, v in values.items()}))

    def __repr__(self) -> str:
        return f"Answer(continuation=SecretStr('**********'), values=<{', '.join(sorted(self.values))}>)"


@_checked
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
        _text(self, "username", optional=True)


_SAML_BINDINGS = ("redirect", "post")


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class StartSAML(Request):
    """Start a SAML 2.0 sign-in: the answer is a :class:`~idpbridge.RedirectRequired` (HTTP-Redirect
    binding) or a :class:`~idpbridge.outcomes.PostRequired` (HTTP-POST binding).

    ``binding`` overrides the connector's configured AuthnRequest binding; ``force_authn`` asks
    the IdP to authenticate the user again even with a live IdP session.
    """

    binding: str | None = None
    force_authn: bool = False

    method: ClassVar[Method | None] = Method.SAML

    def __post_init__(self) -> None:
        if self.binding is not None and self.binding not in _SAML_BINDINGS:
            raise InvalidRequest("StartSAML.binding must be 'redirect' or 'post'", field="binding")
        if not isinstance(self.force_authn, bool):
            raise _invalid(self, "force_authn", "a bool", self.force_authn)


@_checked
@dataclasses.dataclass(frozen=True, slots=True)
class FinishSAML(Request):
    """Finish a SAML sign-in with what the IdP POSTed to the ACS URL.

    ``saml_response`` is the ``SAMLResponse`` form field (base64), ``relay_state`` the
    ``RelayState`` field, ``continuation`` the one returned by :class:`StartSAML`.
    """

    saml_response: SecretStr
    relay_state: str | None
    continuation: SecretStr

    method: ClassVar[Method | None] = Method.SAML

    def __post_init__(self) -> None:
        _freeze(self, "saml_response", "continuation")
        _text(self, "relay_state", optional=True)
