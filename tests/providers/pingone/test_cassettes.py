"""The pingone password method's error answers replayed from cassettes (no network).

Each cassette holds the pi.flow authorize answer and the usernamePassword.check answer (see each
header for its documented source). A completed flow cannot be replayed: its code is bound to the
random ``state`` of the run, so success is covered against the fake in test_flows.py and against
a real OP in test_peer.py. ``nox -s record -- pingone`` re-records them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
    AccountLocked,
    ConfigurationError,
    ExpiredCode,
    IdpBridgeError,
    InvalidCredentials,
    MalformedResponse,
    MFARequired,
    PasswordChangeRequired,
    ProviderUnavailable,
    RateLimited,
)
from idpbridge.providers.pingone.connector import PingOneConnector
from tests.support.cassettes import replay_password_error, tenant_fields

from .conftest import CLIENT_ID, CLIENT_SECRET, ENV

pytestmark = pytest.mark.cassette
Make = Callable[..., PingOneConnector]
PASSWORD = "Wr0ng-Passw0rd!"
FLOW = "03a1b2c3-d4e5-4f60-8a1b-2c3d4e5f6a7b"


def fields() -> dict[str, Any]:
    return tenant_fields(
        "pingone",
        {
            "environment_id": "PINGONE_ENVIRONMENT_ID",
            "region": "PINGONE_REGION",
            "client_id": "PINGONE_CLIENT_ID",
            "client_secret": "PINGONE_CLIENT_SECRET",
        },
        {"environment_id": ENV, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )


async def attempt(make: Make, scenario: str) -> IdpBridgeError:
    conn = make(**fields(), methods=["password"])
    username = os.environ.get("PINGONE_USERNAME", "jane")
    return await replay_password_error(
        conn, "pingone", scenario, username, PASSWORD, hidden=[CLIENT_SECRET, FLOW]
    )


@pytest.mark.parametrize(
    ("scenario", "expected", "code", "provider_code"),
    [
        ("wrong_password", InvalidCredentials, "invalid_credentials", "INVALID_VALUE"),
        ("account_locked", AccountLocked, "account_locked", "PASSWORD_LOCKED_OUT"),
        ("password_expired", PasswordChangeRequired, "password_change_required", "PASSWORD_EXPIRED"),
        ("must_change_password", PasswordChangeRequired, "password_change_required", "MUST_CHANGE_PASSWORD"),
        ("mfa_otp_required", MFARequired, "mfa_required", "OTP_REQUIRED"),
        ("mfa_device_selection", MFARequired, "mfa_required", "DEVICE_SELECTION_REQUIRED"),
        ("flow_expired", ExpiredCode, "expired_code", "NOT_FOUND"),
        ("unknown_application", ConfigurationError, "config.unknown_client", "NOT_FOUND"),
        ("redirectless_not_allowed", ConfigurationError, "config.authorize_rejected", "ACCESS_FAILED"),
        ("rate_limited_429", RateLimited, "provider.rate_limited", None),
    ],
)
async def test_flow_errors(
    make: Make, scenario: str, expected: type[IdpBridgeError], code: str, provider_code: str | None
) -> None:
    err = await attempt(make, scenario)
    assert type(err) is expected
    assert err.code == code
    assert err.provider_code == provider_code
    assert err.connector == "pingone"


async def test_mfa_offers_a_sealed_continuation(make: Make) -> None:
    err = await attempt(make, "mfa_device_selection")
    assert isinstance(err, MFARequired)
    assert err.factors == ("sms", "totp")
    assert err.continuation is not None


async def test_rate_limited_retry_after(make: Make) -> None:
    err = await attempt(make, "rate_limited_429")
    assert isinstance(err, RateLimited)
    assert err.retry_after == 2


async def test_html_500(make: Make) -> None:
    assert isinstance(await attempt(make, "html_500"), ProviderUnavailable)


async def test_html_400(make: Make) -> None:
    err = await attempt(make, "html_400")
    assert isinstance(err, MalformedResponse)
    assert "<html" not in err.message
