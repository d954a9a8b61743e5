"""Turn an IdP's error answer into a typed idpbridge error, from a data table.

Every connector classifies the same way: it extracts the most specific machine-readable fields the
provider gives (the OAuth ``error``, a provider code such as ``AADSTS50126`` or Cognito's
``__type``, the ``error_description`` and the HTTP status) and runs them through an ordered table
of :class:`ErrorRule`. The first rule whose every given field matches wins. Providers prepend
their own rules to :data:`STANDARD_OAUTH_RULES`::

    RULES = (
        ErrorRule(error="invalid_grant", description_contains="user is blocked", raises=AccountLocked),
        *STANDARD_OAUTH_RULES,
    )
    raise classify(RULES, error="invalid_grant", description="user is blocked", status=403,
                   context="password")

Nothing matched: 429 is :class:`~idpbridge.RateLimited`, 5xx :class:`~idpbridge.ProviderUnavailable`,
anything else a plain :class:`~idpbridge.ProviderError`.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    ExpiredCode,
    IdpBridgeError,
    InvalidCredentials,
    MFARequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UserCancelled,
    sanitize,
)

if TYPE_CHECKING:
    from ._retry import TransportKind

__all__ = [
    "AUTHORIZATION_CODE",
    "AUTHORIZE",
    "PASSWORD",
    "REFRESH_TOKEN",
    "STANDARD_OAUTH_RULES",
    "ErrorInfo",
    "ErrorRule",
    "ExceptionRule",
    "ExceptionTable",
    "classify",
    "sourced",
]

#: Contexts a rule can be limited to: the grant type of a token request, or the authorization
#: response (the browser callback).
PASSWORD = "password"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
AUTHORIZE = "authorize"


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The machine-readable parts of an error answer."""

    error: str | None = None
    description: str | None = None
    provider_code: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ErrorRule:
    """One row of an error table. Fields left ``None`` match anything.

    Args:
        error: the OAuth ``error`` (or the provider's primary error name), compared exactly.
        provider_code: a provider-specific code (``"50126"``, ``"NotAuthorizedException"``), exact.
        status: the HTTP status.
        description_contains: a substring of the description, compared case-insensitively
            (descriptions are prose; use it only when the provider gives nothing better).
        context: limit the rule to one grant type or to :data:`AUTHORIZE` callbacks.
        raises: the error class to raise.
        code: the stable idpbridge code (defaults to the class's own).
        message: the text to show (defaults to the description the IdP sent).
        retryable: overrides the class default.
        source: where the row's wire fact is published (``doc:``/``spec:``/``seen:`` URL,
            ``vendor:owner/repo@commit:path``, ``rec:`` cassette, or an ``UNCONFIRMED[id]`` marker;
            see the provider fidelity page, ``docs/providers/index.md``). Not used for matching.
    """

    raises: type[IdpBridgeError]
    error: str | None = None
    provider_code: str | None = None
    status: int | None = None
    description_contains: str | None = None
    context: str | None = None
    code: str | None = None
    message: str | None = None
    retryable: bool | None = None
    source: str = dataclasses.field(default="", compare=False)

    def matches(
        self,
        *,
        error: str | None,
        provider_code: str | None,
        status: int | None,
        description: str | None,
        context: str | None,
    ) -> bool:
        """Whether every field this rule sets matches."""
        if self.error is not None and self.error != error:
            return False
        if self.provider_code is not None and self.provider_code != provider_code:
            return False
        if self.status is not None and self.status != status:
            return False
        if self.context is not None and self.context != context:
            return False
        needle = self.description_contains
        return needle is None or bool(description and needle.casefold() in description.casefold())


_RFC6749_AUTHZ = "spec:https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"
_RFC6749_TOKEN = "spec:https://www.rfc-editor.org/rfc/rfc6749#section-5.2"
_OIDC_AUTHZ = "spec:https://openid.net/specs/openid-connect-core-1_0.html#AuthError"
_RFC6749_AUTHZ_ERRORS = frozenset(
    {"invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_scope"}
)
_RFC8628 = "spec:https://www.rfc-editor.org/rfc/rfc8628#section-3.5"


def _grant_disabled(error: str, *, source: str = _RFC6749_TOKEN, **kw: Any) -> ErrorRule:
    return ErrorRule(
        error=error,
        raises=ConfigurationError,
        code="config.grant_disabled",
        message="the grant is not enabled for this client at the IdP",
        source=source,
        **kw,
    )


#: RFC 6749 §4.1.2.1/§5.2 and OpenID Connect Core §3.1.2.6 errors, in the order they are tried.
STANDARD_OAUTH_RULES: tuple[ErrorRule, ...] = (
    # -- authorization response (browser callback) --------------------------------------------
    ErrorRule(
        error="access_denied",
        context=AUTHORIZE,
        raises=UserCancelled,
        message="the user declined",
        source=_RFC6749_AUTHZ,
    ),
    *(
        ErrorRule(error=e, context=AUTHORIZE, raises=ConsentRequired, source=_OIDC_AUTHZ)
        for e in (
            "login_required",
            "consent_required",
            "interaction_required",
            "account_selection_required",
        )
    ),
    ErrorRule(error="server_error", context=AUTHORIZE, raises=ProviderUnavailable, source=_RFC6749_AUTHZ),
    ErrorRule(
        error="temporarily_unavailable", context=AUTHORIZE, raises=ProviderUnavailable, source=_RFC6749_AUTHZ
    ),
    ErrorRule(
        error="unmet_authentication_requirements",
        context=AUTHORIZE,
        raises=MFARequired,
        message="the IdP could not meet the requested authentication requirements",
        source="spec:https://openid.net/specs/openid-connect-unmet-authentication-requirements-1_0.html",
    ),
    *(
        ErrorRule(
            error=e,
            context=AUTHORIZE,
            raises=ConfigurationError,
            code="config.authorize_rejected",
            source=_RFC6749_AUTHZ if e in _RFC6749_AUTHZ_ERRORS else _OIDC_AUTHZ,
        )
        for e in (
            "invalid_request",
            "unauthorized_client",
            "unsupported_response_type",
            "invalid_scope",
            "invalid_request_uri",
            "invalid_request_object",
            "request_not_supported",
            "request_uri_not_supported",
            "registration_not_supported",
        )
    ),
    # -- token endpoint -------------------------------------------------------------------------
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        raises=InvalidCredentials,
        message="invalid username or password",
        source=_RFC6749_TOKEN,
    ),
    ErrorRule(
        error="invalid_grant",
        context=AUTHORIZATION_CODE,
        raises=ExpiredCode,
        message="the authorization code is invalid, expired or already used",
        source=_RFC6749_TOKEN,
    ),
    ErrorRule(
        error="invalid_grant",
        context=REFRESH_TOKEN,
        raises=ExpiredCode,
        message="the refresh token is invalid, expired or revoked",
        source=_RFC6749_TOKEN,
    ),
    ErrorRule(error="invalid_grant", raises=AuthenticationFailed, source=_RFC6749_TOKEN),
    ErrorRule(
        error="invalid_client",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="the IdP rejected the client credentials",
        source=_RFC6749_TOKEN,
    ),
    _grant_disabled("unauthorized_client"),
    _grant_disabled("unsupported_grant_type"),
    # panva/oidc-provider (behind many OPs) answers a grant the client may not use this way.
    _grant_disabled(
        "invalid_request",
        description_contains="grant type is not allowed",
        source="vendor:panva/node-oidc-provider@v9.13.3:lib/actions/token.js",
    ),
    ErrorRule(
        error="invalid_scope", raises=ConfigurationError, code="config.invalid_scope", source=_RFC6749_TOKEN
    ),
    ErrorRule(
        error="invalid_request",
        raises=ConfigurationError,
        code="config.invalid_request",
        source=_RFC6749_TOKEN,
    ),
    ErrorRule(
        error="mfa_required",
        raises=MFARequired,
        source="doc:https://auth0.com/docs/mfa/authenticate-with-ropg-and-mfa",
    ),
    ErrorRule(error="expired_token", raises=ExpiredCode, source=_RFC8628),
    ErrorRule(error="slow_down", raises=RateLimited, source=_RFC8628),
    ErrorRule(error="temporarily_unavailable", raises=ProviderUnavailable, source=_RFC6749_AUTHZ),
    ErrorRule(error="server_error", raises=ProviderUnavailable, source=_RFC6749_AUTHZ),
)


def sourced(source: str, rules: Sequence[ErrorRule]) -> tuple[ErrorRule, ...]:
    """``rules`` with ``source`` filled in on every row that names none (a table's common source)."""
    return tuple(rule if rule.source else dataclasses.replace(rule, source=source) for rule in rules)


def classify(
    rules: Sequence[ErrorRule],
    *,
    error: str | None,
    description: str | None = None,
    status: int | None = None,
    provider_code: str | None = None,
    context: str | None = None,
    retry_after: float | None = None,
    details: Mapping[str, Any] | None = None,
) -> IdpBridgeError:
    """The error to raise for an IdP's error answer (returned, not raised).

    ``error`` and ``description`` are untrusted text: they are sanitized and cut short before
    they reach the message.
    """
    desc = sanitize(description, limit=200) if isinstance(description, str) and description else None
    err = error if isinstance(error, str) and error else None
    extra: dict[str, Any] = dict(details or {})
    if status is not None:
        extra.setdefault("status", status)
    if context is not None:
        extra.setdefault("context", context)
    for rule in rules:
        if not rule.matches(
            error=err, provider_code=provider_code, status=status, description=desc, context=context
        ):
            continue
        text = rule.message or desc or err or rule.raises.__name__
        kwargs: dict[str, Any] = {
            "provider_code": provider_code or err,
            "retry_after": retry_after,
            "details": extra,
        }
        if rule.code is not None:
            kwargs["code"] = rule.code
        if rule.retryable is not None:
            kwargs["retryable"] = rule.retryable
        if issubclass(rule.raises, ProviderError):
            kwargs.pop("details")
            return rule.raises(text, status=status, details=extra, **kwargs)
        return rule.raises(text, **kwargs)
    label = err or (f"HTTP {status}" if status is not None else "an unknown error")
    text = f"the IdP answered {label}" + (f": {desc}" if desc else "")
    if status == 429:
        return RateLimited(
            text, status=status, provider_code=provider_code or err, retry_after=retry_after, details=extra
        )
    if status is not None and status >= 500:
        return ProviderUnavailable(
            text, status=status, provider_code=provider_code or err, retry_after=retry_after, details=extra
        )
    return ProviderError(text, status=status, provider_code=provider_code or err, details=extra)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionRule:
    """One row of an :class:`ExceptionTable`: a client library's exceptions -> an idpbridge error.

    Args:
        names: exception classes, by name in the table's module (``"module.Name"`` for another
            module's), matched with ``isinstance``.
        raises: the error class.
        message: the text; ``{name}`` is the exception's class name (never its text, which may
            quote request values).
        code: the stable idpbridge code (defaults to the class's own).
        extra: further keyword arguments of the error (``install_hint`` of a
            :class:`~idpbridge.PluginError`).
    """

    names: tuple[str, ...]
    raises: type[IdpBridgeError]
    message: str
    code: str | None = None
    extra: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class ExceptionTable:
    """A client library's exceptions as data: which idpbridge error each becomes, and which are
    transport failures for the retry policy (register :meth:`transport_kind` with
    :func:`idpbridge._retry.register_transport`).

    Classes are looked up in ``module`` only once it is imported (an exception of a library that
    was never loaded cannot occur), so declaring a table imports nothing.

    Args:
        module: the library's exception module (``"botocore.exceptions"``).
        rules: tried in order; the first whose classes match wins.
        transport: exception class name -> :data:`~idpbridge._retry.TransportKind`, in order.
    """

    module: str
    rules: tuple[ExceptionRule, ...] = ()
    transport: Mapping[str, TransportKind] = dataclasses.field(default_factory=dict)

    def is_a(self, exc: BaseException, *names: str) -> bool:
        """Whether ``exc`` is an instance of one of the classes ``names`` (loaded ones only)."""
        for name in names:
            module, _, attr = name.rpartition(".") if "." in name else (self.module, "", name)
            cls = getattr(sys.modules.get(module), attr, None)
            if isinstance(cls, type) and isinstance(exc, cls):
                return True
        return False

    def error(self, exc: BaseException) -> IdpBridgeError | None:
        """The error the first matching rule builds for ``exc`` (``None``: no rule matches)."""
        for rule in self.rules:
            if self.is_a(exc, *rule.names):
                kwargs: dict[str, Any] = dict(rule.extra)
                if rule.code is not None:
                    kwargs["code"] = rule.code
                return rule.raises(rule.message.format(name=type(exc).__name__), **kwargs)
        return None

    def transport_kind(self, exc: BaseException) -> TransportKind | None:
        """The transport failure ``exc`` is, for the retry policy (``None``: not one)."""
        return next((kind for name, kind in self.transport.items() if self.is_a(exc, name)), None)
