"""AADSTS parsing and the classification table (unit level; cassettes replay the wire shapes)."""

from __future__ import annotations

import pytest

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    ExpiredCode,
    IdpBridgeError,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    RateLimited,
    UserNotFound,
)
from idpbridge.classify import AUTHORIZATION_CODE, PASSWORD, classify
from idpbridge.providers.entra.errors import AADSTS, RULES, parse_error

TRAILER = "\r\nTrace ID: 0f1e2d3c-0000\r\nCorrelation ID: 1\r\nTimestamp: 2020-02-18 11:48:00Z"
WRONG = "AADSTS50126: Error validating credentials due to invalid username or password."


def test_parse_prefers_error_codes() -> None:
    info = parse_error(
        {
            "error": "invalid_grant",
            "error_description": WRONG + TRAILER,
            "error_codes": [50126],
            "trace_id": "0f1e2d3c",
        }
    )
    assert info.error == "invalid_grant"
    assert info.provider_code == "AADSTS50126"
    assert (
        info.description == "AADSTS50126: Error validating credentials due to invalid username or password."
    )


def test_parse_falls_back_to_the_description_prefix() -> None:
    info = parse_error(
        {"error": "invalid_grant", "error_description": "AADSTS50055: The password is expired."}
    )
    assert info.provider_code == "AADSTS50055"


@pytest.mark.parametrize(
    "codes",
    [[], ["50126"], [True], [-1], [10**12], "50126", None, [{"x": 1}]],
)
def test_parse_ignores_malformed_error_codes(codes: object) -> None:
    info = parse_error({"error": "invalid_grant", "error_description": "no code here", "error_codes": codes})
    assert info.provider_code is None
    assert info.description == "no code here"


def test_parse_does_not_take_a_code_from_the_middle_of_the_text() -> None:
    info = parse_error({"error": "invalid_request", "error_description": "see AADSTS50126 later"})
    assert info.provider_code is None


def test_parse_error_codes_wins_over_the_description() -> None:
    info = parse_error(
        {"error": "invalid_grant", "error_description": "AADSTS50126: x", "error_codes": [50053]}
    )
    assert info.provider_code == "AADSTS50053"


# The codes the issue names, and the category reference/providers.md §5.5/§12.2 gives them.
@pytest.mark.parametrize(
    ("code", "error", "expected", "stable"),
    [
        (50126, "invalid_grant", InvalidCredentials, "invalid_credentials"),
        (50034, "invalid_grant", UserNotFound, "user_not_found"),
        (50053, "invalid_grant", AccountLocked, "account_locked"),
        (50057, "invalid_grant", AccountDisabled, "account_disabled"),
        (50055, "invalid_grant", PasswordChangeRequired, "password_change_required"),
        (50076, "invalid_grant", MFARequired, "mfa_required"),
        (50079, "interaction_required", MFARequired, "mfa_required"),
        (65001, "invalid_grant", ConfigurationError, "config.consent_required"),
        (700016, "unauthorized_client", ConfigurationError, "config.invalid_client"),
        (7000215, "invalid_client", ConfigurationError, "config.invalid_client"),
        (7000218, "invalid_client", ConfigurationError, "config.invalid_client"),
        (50058, "invalid_grant", ConsentRequired, "consent_required"),
        (50173, "invalid_grant", InvalidCredentials, "invalid_credentials"),
        (53003, "invalid_grant", AuthenticationFailed, "conditional_access"),
        (50056, "invalid_grant", ConfigurationError, "config.ropc_unsupported_account"),
        (90002, "invalid_request", ConfigurationError, "config.unknown_tenant"),
        (90055, "temporarily_unavailable", RateLimited, "provider.rate_limited"),
        (70008, "invalid_grant", ExpiredCode, "expired_code"),
    ],
)
def test_table(code: int, error: str, expected: type[IdpBridgeError], stable: str) -> None:
    err = classify(
        RULES, error=error, description=f"AADSTS{code}: text", provider_code=f"AADSTS{code}", context=PASSWORD
    )
    assert type(err) is expected
    assert err.code == stable
    assert err.provider_code == f"AADSTS{code}"
    assert err.message == AADSTS[code][2]  # our text, never the IdP's


def test_unknown_code_falls_back_to_the_oauth_error() -> None:
    err = classify(RULES, error="invalid_grant", provider_code="AADSTS9002313", context=AUTHORIZATION_CODE)
    assert isinstance(err, ExpiredCode)
    err = classify(RULES, error="invalid_grant", provider_code="AADSTS1", context=PASSWORD)
    assert isinstance(err, InvalidCredentials)
    err = classify(RULES, error="weird", provider_code="AADSTS1", status=400, description="AADSTS1: x")
    assert type(err) is ProviderError


def test_table_codes_are_unique_rules() -> None:
    codes = [r.provider_code for r in RULES if r.provider_code]
    assert len(codes) == len(set(codes)) == len(AADSTS)
