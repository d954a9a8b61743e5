"""The idpbridge error tree.

Every failure raised by idpbridge derives from :class:`IdpBridgeError` and carries a stable,
machine-readable :attr:`~IdpBridgeError.code`, the provider's own error code when there is one,
a sanitized message (never a secret), and retry hints::

    IdpBridgeError
    ├── AuthenticationFailed            the user could not be authenticated (``reason``)
    │   ├── InvalidCredentials          wrong password, unknown user where the IdP hides which
    │   ├── UserNotFound                the IdP says the user does not exist
    │   ├── AccountLocked               too many attempts; locked out
    │   ├── AccountDisabled             suspended, deactivated, blocked
    │   ├── PasswordChangeRequired      expired or temporary password
    │   ├── UserNotConfirmed            sign-up not confirmed
    │   ├── MFARequired                 a second factor is required (carries a continuation)
    │   ├── InvalidCode                 wrong OTP/TOTP code
    │   ├── ExpiredCode                 the code or the IdP's session for it expired
    │   ├── UserCancelled               the user declined at the IdP (``access_denied``)
    │   └── ConsentRequired             interaction, login or consent required
    ├── TokenValidationError            an ID/access token failed validation (``code`` says which check)
    ├── FlowError                       continuation tampered/expired/reused/foreign; state mismatch
    │   ├── MalformedContinuation       not a continuation at all (idpbridge.methods)
    │   └── ReplayStoreError            replay store full or unreachable (idpbridge.replay)
    ├── ProviderError                   the IdP misbehaved
    │   ├── ProviderUnavailable         network failure, timeout, 5xx
    │   ├── RateLimited                 429 or the IdP's own throttling error
    │   └── MalformedResponse           not JSON, wrong shape, oversized, ``error`` in a 200
    ├── ConfigurationError              bad config, method not enabled, grant disabled at the IdP
    │   └── InvalidRequest              a request built with fields of the wrong type (idpbridge.methods)
    ├── PluginError                     missing extra, incompatible API version, broken plugin
    ├── OrganizationError               organization routing refused (idpbridge.orgs)
    └── JITError                        just-in-time migration refused or failed (idpbridge.jit)

Catch :class:`AuthenticationFailed` to show the user a "could not sign you in" message; catch
:class:`ProviderError` for "try again later"; everything else is a bug or a misconfiguration.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ._redact import redact
from ._terminal import ESCAPES as terminal_escapes

if TYPE_CHECKING:  # pydantic loads when a continuation is attached, not with the error classes
    from pydantic import SecretStr

__all__ = [
    "AccountDisabled",
    "AccountLocked",
    "AuthenticationFailed",
    "ConfigurationError",
    "ConsentRequired",
    "ExpiredCode",
    "FailureReason",
    "FlowError",
    "IdpBridgeError",
    "InvalidCode",
    "InvalidCredentials",
    "MFARequired",
    "MalformedResponse",
    "PasswordChangeRequired",
    "PluginError",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "TokenValidationError",
    "UserCancelled",
    "UserNotConfirmed",
    "UserNotFound",
    "sanitize",
]

_MAX_MESSAGE = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Invisible format characters that reorder or hide text (bidi embeddings, overrides, isolates and
#: marks; zero-width characters): dropped, so a message reads as it prints.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def sanitize(text: object, *, limit: int = _MAX_MESSAGE) -> str:
    """Return ``text`` made safe for an exception message or a log line.

    Terminal escape sequences (``ESC [31m``, OSC hyperlinks) are removed whole, invisible bidi and
    zero-width characters are dropped, and other control characters (newlines included) become
    spaces. Anything shaped like a token, a credential assignment (``password=…``,
    ``"client_secret": "…"``), an authorization or cookie header value, or a URL's query, fragment
    or user info is replaced by ``[redacted]`` (quoted values are decoded first, at any depth, so
    escaped quotes never cut a value short). The result is cut to ``limit`` characters (after
    redaction, so a token is never half-kept).
    """
    # Redact before removing escape sequences too: a sequence's final byte may be the first letter
    # of a key ("\x9b password=…" would lose its "p"), and removing a sequence may join a key
    # ("pass\x1b[0mword=…"), which the second pass catches.
    s = redact(_CONTROL.sub(" ", _INVISIBLE.sub("", terminal_escapes.sub("", redact(str(text))))))
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def _secret(value: SecretStr | str | None) -> SecretStr | None:
    if isinstance(value, str):
        from ._secrets import secret

        return secret(value)
    return value


class FailureReason(enum.StrEnum):
    """Why an authentication failed; a closed set, stable across releases."""

    INVALID_CREDENTIALS = "invalid_credentials"
    USER_NOT_FOUND = "user_not_found"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_DISABLED = "account_disabled"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    USER_NOT_CONFIRMED = "user_not_confirmed"
    MFA_REQUIRED = "mfa_required"
    INVALID_CODE = "invalid_code"
    EXPIRED_CODE = "expired_code"
    USER_CANCELLED = "user_cancelled"
    CONSENT_REQUIRED = "consent_required"
    OTHER = "other"


class IdpBridgeError(Exception):
    """Root of every error idpbridge raises.

    Attributes:
        code: stable machine code (``"invalid_credentials"``, ``"token.expired"``, …).
        provider_code: the IdP's own error code (``"invalid_grant"``, ``"AADSTS50126"``), if any.
        message: sanitized human-readable text.
        retryable: whether trying the same call again later may succeed.
        retry_after: seconds to wait before retrying, when the IdP said so.
        connector: name of the connector instance that raised it, when known.
    """

    default_code: ClassVar[str] = "error"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        provider_code: str | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        connector: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = sanitize(message or self.__class__.__name__)
        self.code = code or self.default_code
        self.provider_code = sanitize(provider_code, limit=100) if provider_code else None
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.connector = connector
        #: Non-secret, structured extra facts (e.g. the HTTP status). Never tokens or handles.
        self.details: Mapping[str, Any] = dict(details or {})
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.provider_code:
            parts.append(f"(provider code: {self.provider_code})")
        if self.connector:
            parts.append(f"[connector: {self.connector}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class AuthenticationFailed(IdpBridgeError):
    """The IdP refused to authenticate the user. ``reason`` is a :class:`FailureReason`."""

    default_code = "authentication_failed"
    reason: ClassVar[FailureReason] = FailureReason.OTHER

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        if kwargs.get("code") is None and self.reason is not FailureReason.OTHER:
            kwargs["code"] = self.reason.value
        super().__init__(message, **kwargs)


class InvalidCredentials(AuthenticationFailed):
    """Wrong username or password (also used where the IdP will not say which)."""

    reason = FailureReason.INVALID_CREDENTIALS


class UserNotFound(AuthenticationFailed):
    """The IdP positively says the user does not exist."""

    reason = FailureReason.USER_NOT_FOUND


class AccountLocked(AuthenticationFailed):
    """The account is locked, usually after too many failed attempts."""

    reason = FailureReason.ACCOUNT_LOCKED


class AccountDisabled(AuthenticationFailed):
    """The account is disabled, suspended or blocked."""

    reason = FailureReason.ACCOUNT_DISABLED


class PasswordChangeRequired(AuthenticationFailed):
    """The password is expired or temporary and must be changed at the IdP."""

    reason = FailureReason.PASSWORD_CHANGE_REQUIRED


class UserNotConfirmed(AuthenticationFailed):
    """The user signed up but never confirmed the account."""

    reason = FailureReason.USER_NOT_CONFIRMED


class MFARequired(AuthenticationFailed):
    """A second factor is required.

    ``continuation`` (when set) is a sealed token a TOTP-capable connector accepts to resume the
    flow; ``factors`` lists the factor kinds the IdP offered, e.g. ``("totp",)``.
    """

    reason = FailureReason.MFA_REQUIRED

    def __init__(
        self,
        message: str = "",
        *,
        continuation: SecretStr | str | None = None,
        factors: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.continuation: SecretStr | None = _secret(continuation)
        self.factors = factors


class InvalidCode(AuthenticationFailed):
    """The one-time code was wrong. The flow may still be resumable."""

    reason = FailureReason.INVALID_CODE

    def __init__(
        self, message: str = "", *, continuation: SecretStr | str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        #: A fresh continuation to retry with, when the IdP keeps the flow open.
        self.continuation: SecretStr | None = _secret(continuation)


class ExpiredCode(AuthenticationFailed):
    """The one-time code, or the IdP's session around it, expired."""

    reason = FailureReason.EXPIRED_CODE


class UserCancelled(AuthenticationFailed):
    """The user declined or aborted at the IdP."""

    reason = FailureReason.USER_CANCELLED


class ConsentRequired(AuthenticationFailed):
    """The IdP needs interaction it could not get (``login_required``, ``consent_required``, …)."""

    reason = FailureReason.CONSENT_REQUIRED


class TokenValidationError(IdpBridgeError):
    """A token failed validation. ``code`` names the check, e.g. ``"token.signature"``.

    Codes: ``token.malformed``, ``token.too_large``, ``token.algorithm``, ``token.key_not_found``,
    ``token.signature``, ``token.issuer``, ``token.audience``, ``token.azp``, ``token.expired``,
    ``token.not_yet_valid``, ``token.issued_at``, ``token.nonce``, ``token.at_hash``,
    ``token.type``, ``token.subject``, ``token.claim``, ``token.username``.
    """

    default_code = "token.invalid"


class FlowError(IdpBridgeError):
    """A multi-step flow cannot continue.

    Codes: ``flow.malformed``, ``flow.tampered``, ``flow.expired``, ``flow.reused``,
    ``flow.wrong_connector``, ``flow.wrong_method``, ``flow.unknown_key``, ``flow.state_mismatch``,
    ``flow.issuer_mismatch``, ``flow.too_large``.
    """

    default_code = "flow.invalid"


class ProviderError(IdpBridgeError):
    """The identity provider failed or answered something we cannot use."""

    default_code = "provider.error"

    def __init__(
        self, message: str = "", *, status: int | None = None, excerpt: str | None = None, **kwargs: Any
    ) -> None:
        details = dict(kwargs.pop("details", None) or {})
        if status is not None:
            details["status"] = status
        super().__init__(message, details=details, **kwargs)
        self.status = status
        #: A short, sanitized excerpt of the offending response body.
        self.excerpt = sanitize(excerpt, limit=200) if excerpt else None


class ProviderUnavailable(ProviderError):
    """Network failure, timeout, or a 5xx from the IdP."""

    default_code = "provider.unavailable"
    default_retryable = True


class RateLimited(ProviderError):
    """The IdP is throttling us (HTTP 429 or its own throttling error)."""

    default_code = "provider.rate_limited"
    default_retryable = True


class MalformedResponse(ProviderError):
    """The IdP answered with something that is not what the protocol promises."""

    default_code = "provider.malformed_response"


class ConfigurationError(IdpBridgeError):
    """The connector's configuration is wrong, or the IdP is not set up for the request.

    ``field`` names the offending configuration field when there is one.
    """

    default_code = "config.invalid"

    def __init__(self, message: str = "", *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field


class PluginError(IdpBridgeError):
    """A connector plugin is missing, incompatible or broken.

    Codes: ``plugin.unknown``, ``plugin.unavailable`` (extra not installed; ``install_hint``
    says what to run), ``plugin.incompatible``, ``plugin.broken``, ``plugin.conflict``.
    """

    default_code = "plugin.error"

    def __init__(self, message: str = "", *, install_hint: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.install_hint = install_hint
