"""Entra ROPC error answers replayed from cassettes through the real HTTP stack (no network).

Each cassette is one token-endpoint exchange transcribed from documented Entra answers (see its
header); the discovery document is replayed from ``discovery.yaml`` first. The success path needs
a signed ID token, which no cassette may hold: test_connector.py mints one at test time instead.
Under ``nox -s record -- entra`` the same tests record against the tenant in ``ENTRA_*``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    IdpBridgeError,
    InvalidCredentials,
    MalformedResponse,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UserNotFound,
)
from idpbridge.providers.entra.connector import EntraConnector
from tests.support.cassettes import replay_password_error, tenant_fields

from .conftest import CLIENT_ID, CLIENT_SECRET, TENANT

pytestmark = pytest.mark.cassette
Make = Callable[..., EntraConnector]
USERNAME, PASSWORD = "jane@contoso.test", "Wr0ng-Passw0rd!"


def fields() -> dict[str, Any]:
    return tenant_fields(
        "entra",
        {"tenant": "ENTRA_TENANT", "client_id": "ENTRA_CLIENT_ID", "client_secret": "ENTRA_CLIENT_SECRET"},
        {"tenant": TENANT, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )


async def attempt(make: Make, scenario: str) -> IdpBridgeError:
    conn = make(**fields(), methods=["password"])
    username = os.environ.get("ENTRA_USERNAME", USERNAME)
    err = await replay_password_error(conn, "entra", scenario, username, PASSWORD, hidden=[CLIENT_SECRET])
    assert "Trace ID" not in err.message
    return err


@pytest.mark.parametrize(
    ("scenario", "expected", "code", "provider_code"),
    [
        ("wrong_password", InvalidCredentials, "invalid_credentials", "AADSTS50126"),
        ("user_not_found", UserNotFound, "user_not_found", "AADSTS50034"),
        ("account_locked", AccountLocked, "account_locked", "AADSTS50053"),
        ("account_disabled", AccountDisabled, "account_disabled", "AADSTS50057"),
        ("password_expired", PasswordChangeRequired, "password_change_required", "AADSTS50055"),
        ("mfa_required", MFARequired, "mfa_required", "AADSTS50076"),
        ("mfa_registration_required", MFARequired, "mfa_required", "AADSTS50079"),
        ("consent_required", ConfigurationError, "config.consent_required", "AADSTS65001"),
        ("app_not_found", ConfigurationError, "config.invalid_client", "AADSTS700016"),
        ("bad_client_secret", ConfigurationError, "config.invalid_client", "AADSTS7000215"),
        ("public_client_flows_disabled", ConfigurationError, "config.invalid_client", "AADSTS7000218"),
        ("conditional_access_blocked", AuthenticationFailed, "conditional_access", "AADSTS53003"),
        ("no_password_federated", ConfigurationError, "config.ropc_unsupported_account", "AADSTS50056"),
        ("throttled", RateLimited, "provider.rate_limited", "AADSTS90055"),
    ],
)
async def test_ropc_errors(
    make: Make, scenario: str, expected: type[IdpBridgeError], code: str, provider_code: str
) -> None:
    err = await attempt(make, scenario)
    assert type(err) is expected
    assert err.code == code
    assert err.provider_code == provider_code
    assert err.connector == "entra"


async def test_mfa_required_cannot_continue_ropc(make: Make) -> None:
    err = await attempt(make, "mfa_required")
    assert isinstance(err, MFARequired)
    assert err.continuation is None  # ROPC has no MFA step to resume: the user must use oidc
    assert "oidc" in err.message


async def test_http_429(make: Make) -> None:
    err = await attempt(make, "rate_limited_429")
    assert isinstance(err, RateLimited)
    assert err.retry_after == 7
    assert err.retryable


async def test_html_500(make: Make) -> None:
    err = await attempt(make, "html_500")
    assert isinstance(err, ProviderUnavailable)
    assert err.details["status"] == 500


async def test_html_400(make: Make) -> None:
    err = await attempt(make, "html_400")
    assert isinstance(err, ProviderError)
    assert not isinstance(err, MalformedResponse | ProviderUnavailable)
    assert err.details["status"] == 400
    assert "<html" not in err.message
