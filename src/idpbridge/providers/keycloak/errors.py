"""Keycloak error answers: the classification table (``reference/providers.md`` §6.6, §12).

Keycloak answers ``{"error", "error_description"}``; the description is the most specific field
it gives, and the HTTP status moved between versions (wrong password: 401 up to 26.5, 400 from
26.6), so no rule here looks at the status. :data:`RULES` is tried first, then the standard
OAuth rules. Rows marked UNCONFIRMED are best guesses to check against a live server (§15).
"""

from __future__ import annotations

from ...classify import PASSWORD, STANDARD_OAUTH_RULES, ErrorRule
from ...errors import (
    AccountDisabled,
    AccountLocked,
    ConfigurationError,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
)

__all__ = ["OTP_SIGNALS", "REQUIRED_ACTIONS", "RULES"]

#: The description of a user with pending required actions (update password, terms, profile).
REQUIRED_ACTIONS = "Account is not fully set up"

#: Answers that say "this user must send an OTP" (§6.5), raised as :class:`~idpbridge.MFARequired`.
#: Stock Keycloak has none: ``direct-grant-validate-otp`` answers a missing *and* a wrong OTP with
#: 401 ``invalid_grant`` "Invalid user credentials", exactly like a wrong password
#: (services/.../directgrant/ValidateOTP.java). On a password-only request these rows become the
#: ``InputRequired`` TOTP step; after a request that carried a code they mean the code was wrong
#: (the connector turns them into :class:`~idpbridge.InvalidCode`).
OTP_SIGNALS: tuple[ErrorRule, ...] = (
    # UNCONFIRMED: keycloak PR #44724 (open, 2025-12) answers OTP failures with invalid_grant
    # "Invalid OTP credentials"; whether a *missing* OTP gets it too is not settled.
    ErrorRule(
        error="invalid_grant",
        description_contains="Invalid OTP credentials",
        raises=MFARequired,
        message="Keycloak wants the one-time code from the user's authenticator app",
    ),
    # UNCONFIRMED: direct-grant OTP authenticator extensions (custom flows) answer otp_required.
    ErrorRule(
        error="otp_required",
        raises=MFARequired,
        message="Keycloak wants the one-time code from the user's authenticator app",
    ),
)

RULES: tuple[ErrorRule, ...] = (
    *OTP_SIGNALS,
    # Brute-force lockout on older versions (newer ones answer "Invalid user credentials").
    ErrorRule(
        error="invalid_grant",
        description_contains="Account temporarily disabled",
        raises=AccountLocked,
        message="the account is temporarily locked after too many failed attempts",
    ),
    ErrorRule(
        error="invalid_grant",
        description_contains="Account disabled",
        raises=AccountDisabled,
        message="the account is disabled",
    ),
    # The connector turns this into UserNotConfirmed when required_actions_error says so.
    ErrorRule(
        error="invalid_grant",
        description_contains=REQUIRED_ACTIONS,
        raises=PasswordChangeRequired,
        message="the account has pending required actions at Keycloak (e.g. update password, verify e-mail)",
    ),
    # "Invalid user credentials": wrong password, unknown user, service-account user, a wrong or
    # missing OTP, and a brute-force lock on current versions — Keycloak does not say which. A
    # TOTP attempt (password + code) that fails this way is InvalidCredentials too.
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        raises=InvalidCredentials,
        message="invalid username or password",
    ),
    # invalid_request "Invalid user credentials": the username matched more than one user.
    ErrorRule(
        error="invalid_request",
        description_contains="Invalid user credentials",
        raises=ProviderError,
        code="provider.ambiguous_user",
        message="Keycloak could not pick one user for this username",
    ),
    # Bad client secret: unauthorized_client "Invalid client or Invalid client credentials" (older
    # releases: invalid_client, a standard rule).
    ErrorRule(
        error="unauthorized_client",
        description_contains="Invalid client",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="Keycloak rejected the client credentials",
    ),
    # 404 {"error": "Realm does not exist"} (UNCONFIRMED body).
    ErrorRule(
        error="Realm does not exist",
        raises=ConfigurationError,
        code="config.unknown_realm",
        message="the realm does not exist on this Keycloak server",
    ),
    # 400 unauthorized_client "Client not allowed for direct access grants" (direct access grants
    # disabled), invalid_request "Missing parameter: username": the standard rules.
    *STANDARD_OAUTH_RULES,
)
