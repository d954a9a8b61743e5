"""The data-table error classifier shared by every connector."""

from __future__ import annotations

import pytest

from idpbridge import (
    AccountLocked,
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
)
from idpbridge.classify import (
    AUTHORIZATION_CODE,
    AUTHORIZE,
    PASSWORD,
    REFRESH_TOKEN,
    STANDARD_OAUTH_RULES,
    ErrorRule,
    classify,
)


@pytest.mark.parametrize(
    ("error", "context", "expected", "code"),
    [
        ("invalid_grant", PASSWORD, InvalidCredentials, "invalid_credentials"),
        ("invalid_grant", AUTHORIZATION_CODE, ExpiredCode, "expired_code"),
        ("invalid_grant", REFRESH_TOKEN, ExpiredCode, "expired_code"),
        ("invalid_grant", "urn:other", AuthenticationFailed, "authentication_failed"),
        ("invalid_client", PASSWORD, ConfigurationError, "config.invalid_client"),
        ("unauthorized_client", PASSWORD, ConfigurationError, "config.grant_disabled"),
        ("unsupported_grant_type", PASSWORD, ConfigurationError, "config.grant_disabled"),
        ("invalid_scope", PASSWORD, ConfigurationError, "config.invalid_scope"),
        ("invalid_request", PASSWORD, ConfigurationError, "config.invalid_request"),
        ("mfa_required", PASSWORD, MFARequired, "mfa_required"),
        ("slow_down", PASSWORD, RateLimited, "provider.rate_limited"),
        ("temporarily_unavailable", PASSWORD, ProviderUnavailable, "provider.unavailable"),
        ("access_denied", AUTHORIZE, UserCancelled, "user_cancelled"),
        ("login_required", AUTHORIZE, ConsentRequired, "consent_required"),
        ("consent_required", AUTHORIZE, ConsentRequired, "consent_required"),
        ("interaction_required", AUTHORIZE, ConsentRequired, "consent_required"),
        ("account_selection_required", AUTHORIZE, ConsentRequired, "consent_required"),
        ("invalid_scope", AUTHORIZE, ConfigurationError, "config.authorize_rejected"),
        ("server_error", AUTHORIZE, ProviderUnavailable, "provider.unavailable"),
    ],
)
def test_standard_table(error: str, context: str, expected: type[IdpBridgeError], code: str) -> None:
    exc = classify(STANDARD_OAUTH_RULES, error=error, description="why", status=400, context=context)
    assert type(exc) is expected
    assert exc.code == code
    assert exc.provider_code == error
    assert exc.details["status"] == 400


def test_invalid_credentials_text_is_generic() -> None:
    exc = classify(
        STANDARD_OAUTH_RULES, error="invalid_grant", description="user alice@x not found", context=PASSWORD
    )
    assert exc.message == "invalid username or password"


def test_oidc_provider_grant_not_allowed_wording() -> None:
    exc = classify(
        STANDARD_OAUTH_RULES,
        error="invalid_request",
        description="requested grant type is not allowed for this client",
        context=PASSWORD,
    )
    assert isinstance(exc, ConfigurationError)
    assert exc.code == "config.grant_disabled"


def test_access_denied_at_token_endpoint_is_not_a_cancel() -> None:
    exc = classify(STANDARD_OAUTH_RULES, error="access_denied", status=403, context=PASSWORD)
    assert not isinstance(exc, UserCancelled)
    assert type(exc) is ProviderError


def test_provider_rules_come_first_and_match_every_given_field() -> None:
    rules = (
        ErrorRule(error="invalid_grant", description_contains="USER IS BLOCKED", raises=AccountLocked),
        ErrorRule(provider_code="50126", raises=InvalidCredentials),
        ErrorRule(
            status=403, error=None, context=PASSWORD, raises=InvalidCredentials, code="invalid_credentials"
        ),
        *STANDARD_OAUTH_RULES,
    )
    blocked = classify(rules, error="invalid_grant", description="user is blocked", context=PASSWORD)
    assert type(blocked) is AccountLocked
    assert blocked.code == "account_locked"
    plain = classify(rules, error="invalid_grant", description="wrong", context=PASSWORD)
    assert type(plain) is InvalidCredentials
    entra = classify(rules, error="invalid_grant", provider_code="50126", context=REFRESH_TOKEN)
    assert type(entra) is InvalidCredentials
    assert entra.provider_code == "50126"
    empty_403 = classify(rules, error=None, status=403, context=PASSWORD)
    assert type(empty_403) is InvalidCredentials
    assert type(classify(rules, error=None, status=403, context=AUTHORIZATION_CODE)) is ProviderError


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, RateLimited), (500, ProviderUnavailable), (503, ProviderUnavailable), (418, ProviderError)],
)
def test_fallback_by_status(status: int, expected: type[IdpBridgeError]) -> None:
    exc = classify(STANDARD_OAUTH_RULES, error="weird_thing", status=status, retry_after=7.0)
    assert type(exc) is expected
    assert "weird_thing" in exc.message
    if expected is not ProviderError:
        assert exc.retryable
        assert exc.retry_after == 7.0


def test_untrusted_text_is_sanitized() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
    exc = classify(
        STANDARD_OAUTH_RULES,
        error="server\x00_error",
        description=f"boom token={token} password=hunter22 " + "x" * 500,
        status=400,
    )
    assert token not in str(exc)
    assert "hunter22" not in str(exc)
    assert "\x00" not in str(exc)
    assert len(exc.message) < 300


def test_non_string_fields_are_ignored() -> None:
    exc = classify(STANDARD_OAUTH_RULES, error=None, description=None, status=400)
    assert type(exc) is ProviderError
    assert exc.message == "the IdP answered HTTP 400"
