"""Auth0 error answers: the classification table (https://auth0.com/docs/api/authentication#errors).

Auth0 classifies by ``error`` plus ``error_description`` (its Swift SDK does the same); HTTP
statuses are not reliable (wrong password is 403, not 400). Some endpoints use ``errorCode``/
``message`` or ``code``/``description`` instead; the sheet's ``error_fields`` read them in
auth0-python's order. :data:`RULES` is tried first, then the standard OAuth rules. Each row names
its source (``source=``; the default is :data:`DOCS`).

Where the reference files a refusal by a Rule/Action (``access_denied``, ``unauthorized``) under
"provider error", idpbridge raises :class:`~idpbridge.AuthenticationFailed`: the IdP worked and
decided not to sign the user in, and its message (sanitized) says why.
"""

from __future__ import annotations

from ...classify import sourced
from ...errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ExpiredCode,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    RateLimited,
)
from ...kit import PASSWORD, STANDARD_OAUTH_RULES, ErrorRule

__all__ = ["RULES"]

_WRONG_PASSWORD = "Wrong email or password."

#: Auth0's Authentication API error reference: the source of rows that name no other.
DOCS = "doc:https://auth0.com/docs/api/authentication#errors"
#: Auth0's own SDKs classify by the same ``error``/``error_description`` pairs.
SDKS = (
    "vendor:auth0/Auth0.Android@0c53540f9ee207167732613bc1dc9b06b9e41bd0:"
    "auth0/src/main/java/com/auth0/android/authentication/AuthenticationException.kt ; "
    "vendor:auth0/Auth0.swift@01345d03dfef3e8b7b9e394594ce9e6d1132ab5a:Auth0/AuthenticationError.swift"
)
_ORO = (
    "vendor:auth0/docs@248e42383953ba1c88f243bdcf08b78ced6863ca:"
    "articles/api/authentication/errors/_oauth-ro.md"
)


def _enrol(error: str) -> ErrorRule:
    return ErrorRule(
        error=error,
        source=SDKS,
        raises=MFARequired,
        message="the user must enrol a second factor at Auth0 first",
    )


_RULES: tuple[ErrorRule, ...] = (
    # Admin-blocked user: /oauth/token answers 403 invalid_grant "user is blocked"; the callback and
    # the legacy /oauth/ro say error=unauthorized with the same text.
    ErrorRule(
        error="unauthorized",
        description_contains="user is blocked",
        raises=AccountDisabled,
        source="seen:https://github.com/auth0/docs/pull/4767",
    ),
    ErrorRule(
        error="invalid_grant",
        description_contains="user is blocked",
        raises=AccountDisabled,
        source="seen:https://github.com/ionic-team/demo-authconnect-auth0/issues/4",
    ),
    # MFA grant answers (mfa-otp), for the TOTP step that resumes an mfa_required continuation.
    ErrorRule(error="invalid_grant", description_contains="otp_code", raises=InvalidCode, source=SDKS),
    ErrorRule(error="a0.mfa_invalid_code", raises=InvalidCode, source=SDKS),
    ErrorRule(
        error="invalid_grant",
        description_contains="mfa_token",
        raises=ExpiredCode,
        message="the MFA transaction expired; sign in again",
        source=SDKS,
    ),
    # 403 invalid_grant "Wrong email or password." — also for unknown users (Auth0 hides which):
    # the standard password-grant rule.
    ErrorRule(
        error="invalid_user_password",
        raises=InvalidCredentials,
        message="invalid username or password",
        source=SDKS,
    ),
    # Custom-database connections signal a wrong password as access_denied with the same text.
    ErrorRule(
        error="access_denied",
        description_contains=_WRONG_PASSWORD,
        source="doc:https://auth0.com/docs/authenticate/database-connections/custom-db/error-handling",
        raises=InvalidCredentials,
        message="invalid username or password",
    ),
    # 401 access_denied "Unauthorized": wrong client id or secret, or a client authentication
    # method the application's "Token Endpoint Authentication Method" does not allow
    # ([issue:auth0/laravel-auth0#42], [issue:auth0/auth0.js#317],
    # [issue:auth0-samples/auth0-angular-samples#201]).
    ErrorRule(
        error="access_denied",
        status=401,
        raises=ConfigurationError,
        code="config.invalid_client",
        message="Auth0 rejected the client credentials (client id, secret or the application's "
        "Token Endpoint Authentication Method)",
        source="seen:https://github.com/auth0/laravel-auth0/issues/42 ; seen:https://github.com/auth0/auth0.js/issues/317",
    ),
    # Any other access_denied / unauthorized on a password grant: a Rule or Action said no.
    ErrorRule(error="access_denied", context=PASSWORD, raises=AuthenticationFailed, code="access_denied"),
    ErrorRule(error="unauthorized", raises=AuthenticationFailed, code="access_denied"),
    # 429 too_many_attempts: brute-force protection blocked this user from this IP.
    ErrorRule(
        error="too_many_attempts",
        source=f"{SDKS} ; seen:https://github.com/auth0/auth0-flutter/issues/161",
        raises=AccountLocked,
        message="Auth0 blocked this account after too many failed attempts (an unblock e-mail was sent)",
    ),
    ErrorRule(error="too_many_requests", raises=RateLimited),
    ErrorRule(error="too_many_logins", raises=RateLimited),
    # 403 mfa_required (+mfa_token) is a standard rule; the connector seals the mfa_token.
    _enrol("mfa_registration_required"),
    _enrol("a0.mfa_registration_required"),
    _enrol("unsupported_challenge_type"),
    # Breached-password detection, and the legacy endpoint's password_change_required.
    ErrorRule(
        error="password_leaked",
        raises=PasswordChangeRequired,
        message="Auth0 found this password in a data breach; it must be changed",
        source=f"{SDKS} ; {_ORO}",
    ),
    ErrorRule(error="password_change_required", raises=PasswordChangeRequired, source=_ORO),
    # Bot detection wants a CAPTCHA a server-side login cannot solve.
    ErrorRule(
        error="requires_verification",
        raises=ProviderError,
        code="provider.bot_detection",
        message="Auth0 bot detection requires an interactive verification (CAPTCHA)",
        source=f"{SDKS} ; {_ORO}",
    ),
    # 500 server_error "Authorization server not configured with default connection."
    ErrorRule(
        error="server_error",
        description_contains="default connection",
        raises=ConfigurationError,
        code="config.no_default_connection",
        message="the Auth0 tenant has no Default Directory: set realm (the connection name)",
    ),
    # 403 unauthorized_client "Grant type '…' not allowed for the client.", 401 invalid_client,
    # invalid_request / invalid_scope: the standard rules.
    *STANDARD_OAUTH_RULES,
)
RULES: tuple[ErrorRule, ...] = sourced(DOCS, _RULES)
