"""Auth0 error answers: the classification table (https://auth0.com/docs/api/authentication#errors).

Auth0 classifies by ``error`` plus ``error_description`` (its Swift SDK does the same); HTTP
statuses are not reliable (wrong password is 403, not 400). Some endpoints use ``errorCode``/
``message`` or ``code``/``description`` instead; the sheet's ``error_fields`` read them in
auth0-python's order. :data:`RULES` is tried first, then the standard OAuth rules. Rows marked
UNCONFIRMED are best guesses to check against a live tenant.

Where the reference files a refusal by a Rule/Action (``access_denied``, ``unauthorized``) under
"provider error", idpbridge raises :class:`~idpbridge.AuthenticationFailed`: the IdP worked and
decided not to sign the user in, and its message (sanitized) says why.
"""

from __future__ import annotations

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


def _locked(error: str) -> ErrorRule:
    return ErrorRule(
        error=error,
        raises=AccountLocked,
        message="Auth0 blocked this account after too many failed attempts (an unblock e-mail was sent)",
    )


def _enrol(error: str) -> ErrorRule:
    return ErrorRule(
        error=error,
        raises=MFARequired,
        message="the user must enrol a second factor at Auth0 first",
    )


RULES: tuple[ErrorRule, ...] = (
    # Admin-blocked user: "user is blocked" (seen as a callback error=unauthorized and on the
    # legacy /oauth/ro; the exact /oauth/token form is UNCONFIRMED, so both errors match).
    *(
        ErrorRule(error=e, description_contains="user is blocked", raises=AccountDisabled)
        for e in ("unauthorized", "invalid_grant")
    ),
    # MFA grant answers (mfa-otp), for the TOTP step that resumes an mfa_required continuation.
    ErrorRule(error="invalid_grant", description_contains="otp_code", raises=InvalidCode),
    ErrorRule(error="a0.mfa_invalid_code", raises=InvalidCode),
    ErrorRule(
        error="invalid_grant",
        description_contains="mfa_token",
        raises=ExpiredCode,
        message="the MFA transaction expired; sign in again",
    ),
    # 403 invalid_grant "Wrong email or password." — also for unknown users (Auth0 hides which):
    # the standard password-grant rule.
    ErrorRule(
        error="invalid_user_password", raises=InvalidCredentials, message="invalid username or password"
    ),
    # Custom-database connections signal a wrong password as access_denied with the same text.
    ErrorRule(
        error="access_denied",
        description_contains=_WRONG_PASSWORD,
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
    ),
    # Any other access_denied / unauthorized on a password grant: a Rule or Action said no.
    ErrorRule(error="access_denied", context=PASSWORD, raises=AuthenticationFailed, code="access_denied"),
    ErrorRule(error="unauthorized", raises=AuthenticationFailed, code="access_denied"),
    # 429 too_many_attempts: brute-force protection blocked this user from this IP.
    _locked("too_many_attempts"),
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
    ),
    ErrorRule(error="password_change_required", raises=PasswordChangeRequired),
    # Bot detection wants a CAPTCHA a server-side login cannot solve ("requires_validation":
    # UNCONFIRMED spelling, kept next to the documented "requires_verification").
    *(
        ErrorRule(
            error=e,
            raises=ProviderError,
            code="provider.bot_detection",
            message="Auth0 bot detection requires an interactive verification (CAPTCHA)",
        )
        for e in ("requires_verification", "requires_validation")
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
