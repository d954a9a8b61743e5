"""Okta TOTP data: the error rows of the Direct Authentication grants and of IDX messages, the
interact URL rule, and the TOTP configuration fields."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import (
    AccountLocked,
    ConfigurationError,
    ExpiredCode,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
    ProviderError,
    RateLimited,
    UserNotFound,
)
from idpbridge.classify import classify
from idpbridge.config import build_config
from idpbridge.providers.okta import idx_doc
from idpbridge.providers.okta.config import OktaConfig
from idpbridge.providers.okta.errors import IDX, IDX_RULES, RULES
from idpbridge.providers.okta.sheet import MFA_OTP_GRANT, OTP_GRANT, interact_url

BASE = {"domain": "acme.okta.com", "client_id": "0oa1", "client_secret": "very-secret-value-123"}


@pytest.mark.parametrize(
    ("context", "error", "description", "expected", "code"),
    [
        (MFA_OTP_GRANT, "invalid_grant", "The one-time passcode is invalid.", InvalidCode, "invalid_code"),
        (
            MFA_OTP_GRANT,
            "invalid_grant",
            "The mfa_token is invalid or has expired.",
            ExpiredCode,
            "expired_code",
        ),
        (OTP_GRANT, "invalid_grant", "Authentication failed.", InvalidCode, "invalid_code"),
        (MFA_OTP_GRANT, "unsupported_challenge_type", None, MFARequired, "mfa_enrollment_required"),
        (MFA_OTP_GRANT, "mfa_registration_required", None, MFARequired, "mfa_enrollment_required"),
        (
            "interaction_code",
            "invalid_grant",
            "The interaction code is invalid.",
            ExpiredCode,
            "expired_code",
        ),
        (
            "interact",
            "unauthorized_client",
            "The client is not authorized.",
            ConfigurationError,
            "config.grant_disabled",
        ),
    ],
)
def test_direct_grant_rows(
    context: str, error: str, description: str | None, expected: type[IdpBridgeError], code: str
) -> None:
    err = classify(RULES, error=error, description=description, status=400, context=context)
    assert type(err) is expected
    assert err.code == code


@pytest.mark.parametrize(
    ("key", "text", "status", "expected"),
    [
        ("incorrectPassword", "Password is incorrect", 400, InvalidCredentials),
        ("errors.E0000004", "Authentication failed", 400, InvalidCredentials),
        ("idx.unknown.user", "There is no account with the Username jane.", 400, UserNotFound),
        ("api.authn.error.PASSCODE_INVALID", "Invalid code. Try again.", 400, InvalidCode),
        (
            "authfactor.challenge.soft_token.invalid_passcode",
            "Your code doesn't match our records.",
            400,
            InvalidCode,
        ),
        ("oie.tooManyRequests", "Too many requests", 429, RateLimited),
        ("idx.session.expired", "The session has expired.", 401, ExpiredCode),
        ("errors.E0000119", "Your account is locked.", 400, AccountLocked),
        (None, "This account is locked", 400, AccountLocked),
        ("api.error.field_required", "'stateHandle' is required.", 400, ConfigurationError),
        ("security.access_denied", "You do not have permission.", 403, ProviderError),
        (None, "User is not assigned to this application", 400, ConfigurationError),
        ("some.new.key", "Something else", 400, ProviderError),
    ],
)
def test_idx_message_rows(key: str | None, text: str, status: int, expected: type[IdpBridgeError]) -> None:
    err = classify(IDX_RULES, error=None, provider_code=key, description=text, status=status, context=IDX)
    assert type(err) is expected


def test_idx_messages_are_read_from_the_top_and_from_form_fields() -> None:
    nested = {
        "remediation": {
            "value": [
                {
                    "name": "challenge-authenticator",
                    "value": [
                        {
                            "name": "credentials",
                            "form": {
                                "value": [
                                    {
                                        "name": "passcode",
                                        "messages": {
                                            "value": [
                                                {
                                                    "message": "Invalid code. Try again.",
                                                    "i18n": {"key": "api.authn.error.PASSCODE_INVALID"},
                                                    "class": "ERROR",
                                                }
                                            ]
                                        },
                                    }
                                ]
                            },
                        }
                    ],
                }
            ]
        },
        "messages": {"value": [{"message": "Check your phone", "class": "INFO", "i18n": {"key": "info"}}]},
    }
    assert idx_doc.message(nested, errors_only=True) == (
        "api.authn.error.PASSCODE_INVALID",
        "Invalid code. Try again.",
    )
    assert idx_doc.message({"messages": nested["messages"]}, errors_only=True) is None
    assert idx_doc.message({"messages": nested["messages"]}, errors_only=False) == (
        "info",
        "Check your phone",
    )
    assert idx_doc.message(
        {"messages": {"value": [{"class": "ERROR", "i18n": {"key": "a b"}}]}}, errors_only=True
    ) == (
        None,
        None,
    )


def test_interact_url_follows_the_authorization_server() -> None:
    assert interact_url("https://acme.okta.com") == "https://acme.okta.com/oauth2/v1/interact"
    assert (
        interact_url("https://acme.okta.com/oauth2/default")
        == "https://acme.okta.com/oauth2/default/v1/interact"
    )


def test_totp_defaults() -> None:
    cfg = OktaConfig(**BASE)
    assert cfg.totp_flow == "direct"
    assert cfg.totp_authenticators == ("google_otp", "okta_verify")
    assert "totp" not in {m.value for m in cfg.enabled_methods}  # opt-in, like password


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"methods": ["totp"], "totp_flow": "idx"}, "interaction_redirect_uri"),
        ({"interaction_redirect_uri": "not a uri"}, "interaction_redirect_uri"),
        ({"interaction_redirect_uri": "https://app.example/cb#frag"}, "interaction_redirect_uri"),
        ({"totp_authenticators": "okta_email"}, "totp_authenticators"),
        ({"totp_authenticators": []}, "totp_authenticators"),
        ({"totp_authenticators": "google_otp google_otp"}, "totp_authenticators"),
        ({"totp_flow": "sms"}, "totp_flow"),
    ],
)
def test_totp_fields_are_checked(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        build_config(OktaConfig, {**BASE, **fields}, connector="okta")
    assert problem in str(info.value)


def test_totp_fields_accepted() -> None:
    cfg = OktaConfig(
        **BASE,
        methods=["totp", "password"],
        totp_flow="idx",
        interaction_redirect_uri="com.acme.app:/callback",
        totp_authenticators="okta_verify, google_otp",
    )
    assert cfg.totp_authenticators == ("okta_verify", "google_otp")
