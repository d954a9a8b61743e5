"""The Cognito error table, row by row."""

from __future__ import annotations

import pytest

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    ConfigurationError,
    ExpiredCode,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    PasswordChangeRequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UserNotConfirmed,
    UserNotFound,
)
from idpbridge.providers.cognito.errors import classify_cognito

NA = "NotAuthorizedException"


@pytest.mark.parametrize(
    ("error_type", "message", "status", "expected", "code"),
    [
        (NA, "Incorrect username or password.", 400, InvalidCredentials, "invalid_credentials"),
        (NA, "Password attempts exceeded", 400, AccountLocked, "account_locked"),
        (NA, "User is disabled.", 400, AccountDisabled, "account_disabled"),
        (NA, "Unable to verify secret hash for client abc", 400, ConfigurationError, "config.secret_hash"),
        (NA, "Client abc is configured with secret but SECRET_HASH was not received", 400, ConfigurationError,
         "config.secret_hash"),
        (NA, "Invalid session for the user.", 400, ExpiredCode, "expired_code"),
        (NA, "Refresh Token has expired", 400, InvalidCredentials, "refresh_token_invalid"),
        (NA, "Refresh Token has been revoked", 400, InvalidCredentials, "refresh_token_invalid"),
        (NA, "4Zb2lY+something-moto-echoed==", 400, InvalidCredentials, "invalid_credentials"),
        (NA, None, 400, InvalidCredentials, "invalid_credentials"),
        ("UserNotConfirmedException", "User is not confirmed.", 400, UserNotConfirmed, "user_not_confirmed"),
        ("PasswordResetRequiredException", "Password reset required", 400, PasswordChangeRequired,
         "password_reset_required"),
        ("TooManyRequestsException", "Rate exceeded", 400, RateLimited, "provider.rate_limited"),
        ("CodeMismatchException", "Invalid code or auth state", 400, InvalidCode, "invalid_code"),
        ("ExpiredCodeException", "Invalid code provided", 400, ExpiredCode, "expired_code"),
        ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", 400,
         ConfigurationError, "config.flow_not_enabled"),
        ("InvalidParameterException", "1 validation error detected", 400, ConfigurationError,
         "config.invalid_parameter"),
        ("ResourceNotFoundException", "User pool client x does not exist.", 400, ConfigurationError,
         "config.unknown_client"),
        ("UnsupportedOperationException", "x", 400, ConfigurationError, "config.unsupported"),
        ("InvalidSmsRoleTrustRelationshipException", "x", 400, ConfigurationError, "config.user_pool"),
        ("UnexpectedLambdaException", "x", 400, ProviderError, "provider.lambda"),
        ("InternalErrorException", "x", 500, ProviderUnavailable, "provider.unavailable"),
        ("SomethingNewException", "x", 400, ProviderError, "provider.error"),
        ("SomethingNewException", "x", 503, ProviderUnavailable, "provider.unavailable"),
    ],
)  # fmt: skip
def test_table(
    error_type: str, message: str | None, status: int, expected: type[IdpBridgeError], code: str
) -> None:
    err = classify_cognito(error_type, message, status=status, prevent_user_existence_errors=True)
    assert type(err) is expected
    assert err.code == code
    assert err.provider_code == error_type


def test_user_not_found_depends_on_the_pool_setting() -> None:
    hidden = classify_cognito("UserNotFoundException", "User does not exist.", status=400,
                              prevent_user_existence_errors=True)  # fmt: skip
    shown = classify_cognito("UserNotFoundException", "User does not exist.", status=400,
                             prevent_user_existence_errors=False)  # fmt: skip
    assert type(hidden) is InvalidCredentials
    assert type(shown) is UserNotFound


def test_credential_errors_never_echo_cognito_text() -> None:
    echoed = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/=="
    err = classify_cognito(NA, echoed, status=400, prevent_user_existence_errors=True)
    assert echoed not in str(err)
