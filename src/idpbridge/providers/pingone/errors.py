"""PingOne error classification: flow statuses, Flows API error bodies, token endpoint errors.

* A flow answers ``200`` with a ``status`` naming the next step; every status but
  ``COMPLETED`` ends the password method with the error in :data:`FLOW_STATUSES`.
* A Flows API error is a PingOne platform error, ``{"id", "code", "message", "details":
  [{"code", "target", "message", "innerError"}]}``, classified by :data:`FLOW_RULES` on the
  top-level ``code`` (as ``error``) and the first ``details[].code`` (as the provider code).
* The token endpoint speaks RFC 6749: :data:`RULES` are the standard OAuth rules.

Sources: https://developer.pingidentity.com/pingone-api/getting-started/simple-sso-workflow/step-6-submit-login-credentials.html
and PingOne's platform error-codes page ("flows expire after 15 minutes of inactivity … results in
a 404", :data:`DOCS`). Each row names its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...classify import sourced
from ...errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    ExpiredCode,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    RateLimited,
    UserNotConfirmed,
)
from ...kit import AUTHORIZE, PASSWORD, STANDARD_OAUTH_RULES, ErrorInfo, ErrorRule, first_text

__all__ = [
    "FLOW_RULES",
    "FLOW_STATUSES",
    "FLOW_STATUS_SOURCE",
    "MFA_FACTORS",
    "RULES",
    "parse_platform_error",
]

#: PingOne's platform error-codes page: the error envelope, top-level codes and flow expiry.
DOCS = "doc:https://developer.pingidentity.com/pingone-api/platform/reference/error-codes.html"
#: PingOne's flow reference lists every flow ``status`` of :data:`FLOW_STATUSES`.
FLOW_STATUS_SOURCE = (
    "doc:https://developer.pingidentity.com/pingone-api/auth/flows.md ; "
    "doc:https://developer.pingidentity.com/pingone-api/auth/flows/registration-and-verification/verify-user.md"
)
_LOCK_GUESS = "UNCONFIRMED[pingone.flow-lock] where a flow puts PASSWORD_LOCKED_OUT"

_INTERACTIVE = "PingOne's sign-on policy needs an interactive step here ({}); sign in with the oidc method"

#: Flow ``status`` after the credentials (the provider code) -> the error; a status not listed is
#: a malformed answer (``provider.flow_status``).
FLOW_STATUSES: tuple[ErrorRule, ...] = sourced(
    FLOW_STATUS_SOURCE,
    (
        ErrorRule(
            provider_code="PASSWORD_EXPIRED",
            raises=PasswordChangeRequired,
            message="the password has expired",
        ),
        ErrorRule(
            provider_code="MUST_CHANGE_PASSWORD",
            raises=PasswordChangeRequired,
            message="the password must be changed",
        ),
        ErrorRule(
            provider_code="OTP_REQUIRED", raises=MFARequired, message="PingOne requires a one-time code"
        ),
        ErrorRule(
            provider_code="DEVICE_SELECTION_REQUIRED",
            raises=MFARequired,
            message="PingOne requires a second factor",
        ),
        ErrorRule(
            provider_code="PUSH_CONFIRMATION_REQUIRED",
            raises=MFARequired,
            message="PingOne requires a push confirmation",
        ),
        ErrorRule(
            provider_code="ASSERTION_REQUIRED", raises=MFARequired, message="PingOne requires a security key"
        ),
        # The account must be verified first (answered with the user.verify action).
        ErrorRule(
            provider_code="VERIFICATION_CODE_REQUIRED",
            raises=UserNotConfirmed,
            message="the account is not verified yet",
        ),
        ErrorRule(
            provider_code="PROFILE_DATA_REQUIRED",
            raises=ConsentRequired,
            message=_INTERACTIVE.format("progressive profiling"),
        ),
        ErrorRule(
            provider_code="ACCOUNT_LINKING_REQUIRED",
            raises=ConsentRequired,
            message=_INTERACTIVE.format("account linking"),
        ),
        ErrorRule(
            provider_code="EXTERNAL_AUTHENTICATION_REQUIRED",
            raises=ConsentRequired,
            message=_INTERACTIVE.format("external IdP"),
        ),
        ErrorRule(
            provider_code="IDENTIFIER_REQUIRED",
            raises=ConfigurationError,
            code="config.sign_on_policy",
            message="the sign-on policy starts with identifier-first discovery; the password method needs a "
            "username/password (LOGIN) step first",
        ),
        ErrorRule(
            provider_code="USERNAME_PASSWORD_REQUIRED",
            raises=InvalidCredentials,
            message="invalid username or password",
        ),
        ErrorRule(
            provider_code="FAILED", raises=AuthenticationFailed, message="PingOne ended the sign-in flow"
        ),
    ),
)

#: Second-factor kinds per MFA status (``DEVICE_SELECTION_REQUIRED`` lists the user's devices).
MFA_FACTORS: Mapping[str, tuple[str, ...]] = {
    "OTP_REQUIRED": ("otp",),
    "PUSH_CONFIRMATION_REQUIRED": ("push",),
    "ASSERTION_REQUIRED": ("fido2",),
}

_LOCKED = "the account is locked after too many failed sign-ins"

#: Platform error answers of the authorize (``pi.flow``), Flows and resume endpoints.
FLOW_RULES: tuple[ErrorRule, ...] = (
    # Lock codes, read from details[0].code or an error object's code (parse_platform_error).
    ErrorRule(provider_code="PASSWORD_LOCKED_OUT", raises=AccountLocked, message=_LOCKED, source=_LOCK_GUESS),
    ErrorRule(provider_code="ACCOUNT_LOCKED", raises=AccountLocked, message=_LOCKED, source=_LOCK_GUESS),
    ErrorRule(provider_code="USER_DISABLED", raises=AccountDisabled, message="the account is disabled"),
    # A wrong password is INVALID_DATA with a details[] entry (INVALID_CREDENTIALS or INVALID_VALUE);
    # the row keys on the top-level code only.
    ErrorRule(
        error="INVALID_DATA",
        source="doc:https://developer.pingidentity.com/pingone-api/getting-started/simple-sso-workflow/"
        "step-6-submit-login-credentials.html ; " + DOCS,
        context=PASSWORD,
        raises=InvalidCredentials,
        message="invalid username or password",
    ),
    ErrorRule(
        error="NOT_FOUND",
        context=AUTHORIZE,
        raises=ConfigurationError,
        code="config.unknown_client",
        message="PingOne does not know this environment or application",
    ),
    ErrorRule(
        error="NOT_FOUND",
        raises=ExpiredCode,
        message="the PingOne flow expired (flows end after 15 minutes without activity)",
    ),
    ErrorRule(
        error="INVALID_TOKEN",
        raises=ProviderError,
        code="provider.flow_session",
        message="PingOne refused the flow's session cookies",
    ),
    ErrorRule(error="REQUEST_LIMITED", raises=RateLimited, message="PingOne is throttling requests"),
    ErrorRule(error="INVALID_REQUEST", raises=ConfigurationError, code="config.invalid_request"),
    ErrorRule(
        error="ACCESS_FAILED",
        raises=ConfigurationError,
        code="config.authorize_rejected",
        message="PingOne refused the request: allow the redirectless (pi.flow) mode for this application",
    ),
    *STANDARD_OAUTH_RULES,  # an authorize request refused in OAuth terms (unauthorized_client, …)
)
FLOW_RULES = sourced(DOCS, FLOW_RULES)

#: Token endpoint and browser callbacks: standard RFC 6749 / OIDC errors.
RULES: tuple[ErrorRule, ...] = STANDARD_OAUTH_RULES


def parse_platform_error(body: Mapping[str, Any]) -> ErrorInfo:
    """``code`` (or an OAuth ``error``), ``message``, and the first ``details[]`` entry's code and message."""
    details = body.get("details")
    first = details[0] if isinstance(details, list) and details and isinstance(details[0], Mapping) else {}
    # A flow may carry its error as an object, {"error": {"code": "PASSWORD_LOCKED_OUT", …}}.
    nested = body.get("error")
    inner: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
    return ErrorInfo(
        error=first_text(body, ("code", "error")) or first_text(inner, ("code",)),
        description=first_text(first, ("message",))
        or first_text(body, ("message", "error_description"))
        or first_text(inner, ("message",)),
        provider_code=first_text(first, ("code",)) or first_text(inner, ("code",)),
    )
