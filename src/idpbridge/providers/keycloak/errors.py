"""Keycloak error answers: the classification table, and the required-actions refinement.

Keycloak answers ``{"error", "error_description"}`` (the sheet's default error fields); the
description is the most specific field it gives, and the HTTP status moved between versions
(wrong password: 401 up to 26.5, 400 from 26.6, https://github.com/keycloak/keycloak/issues/45812,
https://github.com/keycloak/keycloak/pull/46528), so no rule here looks at the status.
:data:`RULES` is tried first, then the standard OAuth rules. Sources of the rows:
https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/authentication/authenticators/directgrant/ValidateUsername.java,
https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/authentication/authenticators/directgrant/ValidatePassword.java,
https://github.com/keycloak/keycloak/pull/6506 (direct grants disabled) and
https://github.com/keycloak/keycloak/issues/11741 (unknown client). Each row names its source.
"""

from __future__ import annotations

from ...kit import (
    STANDARD_OAUTH_RULES,
    AccountDisabled,
    AccountLocked,
    ConfigurationError,
    ErrorRule,
    IdpBridgeError,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    UserNotConfirmed,
)

__all__ = ["OTP_SIGNALS", "REQUIRED_ACTIONS", "RULES", "required_actions"]

_USERNAME = (
    "vendor:keycloak/keycloak@f0be0d3b25c76a0bcb9ee1df9024784e648b30ff:"
    "services/src/main/java/org/keycloak/authentication/authenticators/directgrant/ValidateUsername.java"
)

#: The description of a user with pending required actions (update password, terms, profile).
REQUIRED_ACTIONS = "Account is not fully set up"

#: Answers that say "this user must send an OTP", raised as :class:`~idpbridge.MFARequired`.
#: Stock Keycloak has none: ``direct-grant-validate-otp`` answers a missing *and* a wrong OTP with
#: 401 ``invalid_grant`` "Invalid user credentials", exactly like a wrong password, see
#: https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/authentication/authenticators/directgrant/ValidateOTP.java
#: On a password-only request these rows become the
#: ``InputRequired`` TOTP step; after a request that carried a code they mean the code was wrong
#: (the connector turns them into :class:`~idpbridge.InvalidCode`).
OTP_SIGNALS: tuple[ErrorRule, ...] = (
    # An open pull request (2025-12) answers OTP failures with invalid_grant "Invalid OTP
    # credentials"; whether a *missing* OTP gets it too is not settled.
    ErrorRule(
        error="invalid_grant",
        description_contains="Invalid OTP credentials",
        source="UNCONFIRMED[keycloak.otp-signal] doc:https://github.com/keycloak/keycloak/pull/44724",
        raises=MFARequired,
        message="Keycloak wants the one-time code from the user's authenticator app",
    ),
    # Direct-grant OTP authenticator extensions (custom flows) answer otp_required.
    ErrorRule(
        error="otp_required",
        source="UNCONFIRMED[keycloak.otp-signal] no public extension found answering it",
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
        source="UNCONFIRMED[keycloak.legacy-lock] older releases; current ones answer 'Invalid user "
        "credentials' (" + _USERNAME + ")",
        raises=AccountLocked,
        message="the account is temporarily locked after too many failed attempts",
    ),
    ErrorRule(
        error="invalid_grant",
        description_contains="Account disabled",
        source=_USERNAME,
        raises=AccountDisabled,
        message="the account is disabled",
    ),
    # The connector turns this into UserNotConfirmed when required_actions_error says so.
    ErrorRule(
        error="invalid_grant",
        description_contains=REQUIRED_ACTIONS,
        source="vendor:keycloak/keycloak@119bcab3dcd0a549b6985c053460baab7494e520:services/src/main/"
        "java/org/keycloak/protocol/oidc/grants/ResourceOwnerPasswordCredentialsGrantType.java ; "
        "seen:https://github.com/keycloak/keycloak/issues/26426",
        raises=PasswordChangeRequired,
        message="the account has pending required actions at Keycloak (e.g. update password, verify e-mail)",
    ),
    # "Invalid user credentials": wrong password, unknown user, service-account user, a wrong or
    # missing OTP, and a brute-force lock on current versions — Keycloak does not say which. A
    # TOTP attempt (password + code) that fails this way is InvalidCredentials too: the standard
    # password-grant rule (invalid_grant -> InvalidCredentials).
    # invalid_request "Invalid user credentials": the username matched more than one user.
    ErrorRule(
        error="invalid_request",
        description_contains="Invalid user credentials",
        source=_USERNAME,
        raises=ProviderError,
        code="provider.ambiguous_user",
        message="Keycloak could not pick one user for this username",
    ),
    # Bad client secret: unauthorized_client "Invalid client or Invalid client credentials" (older
    # releases: invalid_client, a standard rule).
    ErrorRule(
        error="unauthorized_client",
        description_contains="Invalid client",
        source="seen:https://github.com/keycloak/keycloak/issues/11741",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="Keycloak rejected the client credentials",
    ),
    # 404 {"error": "Realm does not exist"}.
    ErrorRule(
        error="Realm does not exist",
        source="seen:https://github.com/adorsys/secure-token-service/issues/10",
        raises=ConfigurationError,
        code="config.unknown_realm",
        message="the realm does not exist on this Keycloak server",
    ),
    # 400 unauthorized_client "Client not allowed for direct access grants" (direct access grants
    # disabled), invalid_request "Missing parameter: username": the standard rules.
    *STANDARD_OAUTH_RULES,
)


def required_actions(error: IdpBridgeError, setting: str) -> IdpBridgeError:
    """``PasswordChangeRequired`` as ``UserNotConfirmed`` when ``required_actions_error`` says so.

    Keycloak does not say which required action is pending (update password, verify e-mail, …).
    """
    if isinstance(error, PasswordChangeRequired) and setting == "user_not_confirmed":
        return UserNotConfirmed(
            "the account has pending required actions at Keycloak (e.g. verify e-mail)",
            provider_code=error.provider_code,
            details=error.details,
        )
    return error
