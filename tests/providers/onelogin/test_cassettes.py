"""OneLogin password-grant error answers replayed from cassettes (no network).

Documented answers (unknown client, grant disabled, 401) and the invalid_grant variants
(UNCONFIRMED[onelogin.password-errors]) are transcribed in cassettes/onelogin (see each header).
Success needs a signed ID token, minted at test time in test_connector.py instead.
``nox -s record -- onelogin`` re-records them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
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
)
from idpbridge.providers.onelogin.connector import OneLoginConnector
from tests.support.cassettes import replay_password_error, tenant_fields

from .conftest import CLIENT_ID, CLIENT_SECRET, SUBDOMAIN

pytestmark = pytest.mark.cassette
Make = Callable[..., OneLoginConnector]
PASSWORD = "Wr0ng-Passw0rd!"


def fields() -> dict[str, Any]:
    return tenant_fields(
        "onelogin",
        {
            "subdomain": "ONELOGIN_SUBDOMAIN",
            "client_id": "ONELOGIN_CLIENT_ID",
            "client_secret": "ONELOGIN_CLIENT_SECRET",
        },
        {"subdomain": SUBDOMAIN, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )


async def attempt(make: Make, scenario: str) -> IdpBridgeError:
    conn = make(**fields(), methods=["password"])
    username = os.environ.get("ONELOGIN_USERNAME", "jane")
    return await replay_password_error(conn, "onelogin", scenario, username, PASSWORD, hidden=[CLIENT_SECRET])


@pytest.mark.parametrize(
    ("scenario", "expected", "code"),
    [
        ("wrong_password", InvalidCredentials, "invalid_credentials"),
        ("account_locked", AccountLocked, "account_locked"),
        ("password_expired", PasswordChangeRequired, "password_change_required"),
        ("mfa_required", MFARequired, "mfa_required"),
        ("not_assigned", AuthenticationFailed, "not_assigned"),
        ("unknown_client", ConfigurationError, "config.invalid_client"),
        ("grant_disabled", ConfigurationError, "config.grant_disabled"),
        ("auth_header_rejected", ConfigurationError, "config.invalid_client"),
        ("invalid_client", ConfigurationError, "config.invalid_client"),
    ],
)
async def test_password_errors(make: Make, scenario: str, expected: type[IdpBridgeError], code: str) -> None:
    err = await attempt(make, scenario)
    assert type(err) is expected
    assert err.code == code
    assert err.connector == "onelogin"


async def test_client_auth_error_explains_the_method(make: Make) -> None:
    err = await attempt(make, "auth_header_rejected")
    assert "Token Endpoint authentication method" in err.message


async def test_wrong_password_does_not_echo_the_idp_text(make: Make) -> None:
    err = await attempt(make, "wrong_password")
    assert err.message == "invalid username or password"
    assert err.provider_code == "invalid_grant"


async def test_http_429(make: Make) -> None:
    err = await attempt(make, "rate_limited_429")
    assert isinstance(err, RateLimited)
    assert err.retry_after == 30


async def test_html_500(make: Make) -> None:
    err = await attempt(make, "html_500")
    assert isinstance(err, ProviderUnavailable)


async def test_html_400(make: Make) -> None:
    err = await attempt(make, "html_400")
    assert type(err) is ProviderError
    assert not isinstance(err, MalformedResponse)
    assert "<html" not in err.message.lower()
