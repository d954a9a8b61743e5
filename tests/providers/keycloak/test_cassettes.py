"""Keycloak wire exchanges replayed from cassettes (transcribed from the documented shapes; see each
file's header), all through the back channel. ID tokens are minted at replay time, never stored."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    ConfigurationError,
    ExpiredCode,
    InvalidCredentials,
    Password,
    PasswordChangeRequired,
    ProviderUnavailable,
    RateLimited,
    StartOIDC,
    TokenValidationError,
    UserNotConfirmed,
)
from tests.support import replayed
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors

from .conftest import CLIENT_ID, ISSUER, SERVER_URL, SUBJECT

pytestmark = pytest.mark.cassette

REDIRECT_URI = "https://app.acme.example/callback"
TENANT = replayed.Tenant(
    "keycloak",
    "jane",
    success="password_success",
    refusal="wrong_password_26_6",
    recorded={
        "server_url": "KEYCLOAK_URL",
        "realm": "KEYCLOAK_REALM",
        "client_id": "KEYCLOAK_CLIENT_ID",
        "client_secret": "KEYCLOAK_CLIENT_SECRET",
    },
)


def _values(key: TestKey, **claims: Any) -> dict[str, str]:
    base: dict[str, Any] = {
        "typ": "ID",
        "azp": CLIENT_ID,
        "sid": "5e2b1c1a-6a1f-4c1b-9d1e-000000000000",
        "acr": "1",
        "email_verified": True,
        "preferred_username": "jane",
        "email": "jane@acme.example",
        "realm_access": {"roles": ["default-roles-acme", "offline_access"]},
        "resource_access": {CLIENT_ID: {"roles": ["migrator"]}, "account": {"roles": ["manage-account"]}},
    }
    token = key.mint(iss=ISSUER, aud=CLIENT_ID, sub=SUBJECT, **{**base, **claims})
    return {ID_TOKEN: token, JWK: key.public_jwk}


async def test_password_success(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    result = await replayed.replayed_login(
        conn, "keycloak", "password_success", Password("jane", "correct-horse"), values=_values(test_key)
    )
    ident = result.identity
    assert ident.key == (ISSUER, SUBJECT)  # the front-channel issuer, though every call went internal
    assert ident.issuer.startswith(SERVER_URL)
    assert ident.username == "jane"
    assert ident.email_verified is True
    assert ident.roles == ("default-roles-acme", "offline_access", f"{CLIENT_ID}:migrator")
    assert ident.groups == ("/staff", "/staff/support")  # group-membership mapper, via userinfo
    assert ident.tenant == "acme"


async def test_access_token_offered_as_id_token_is_refused(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    """Same issuer, same keys, right audience: only ``typ`` tells a Keycloak access token apart."""
    conn = make(**cassette_fields)
    with (
        replay("keycloak", "password_success", values=_values(test_key, typ="Bearer")),
        pytest.raises(TokenValidationError) as info,
    ):
        await conn.authenticate(Password("jane", "correct-horse"))
    assert info.value.code == "token.type"


@pytest.mark.parametrize(
    "row",
    replayed.refusals(
        ("wrong_password_26_5", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("wrong_password_26_6", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("account_disabled", AccountDisabled, "account_disabled", "invalid_grant"),
        ("temporarily_locked", AccountLocked, "account_locked", "invalid_grant"),
        ("required_actions", PasswordChangeRequired, "password_change_required", "invalid_grant"),
        ("direct_grant_disabled", ConfigurationError, "config.grant_disabled", "unauthorized_client"),
        ("invalid_client_secret", ConfigurationError, "config.invalid_client", "unauthorized_client"),
        ("rate_limited", RateLimited, "provider.rate_limited", None),
        ("html_error", ProviderUnavailable, "provider.unavailable", None),
    ),
)
async def test_password_failures(
    make: Connectors, cassette_fields: dict[str, Any], row: replayed.Refusal
) -> None:
    await replayed.password_failure(make(**cassette_fields), "keycloak", row, "jane")


async def test_rate_limit_keeps_retry_after(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    with replay("keycloak", "rate_limited") as cas, pytest.raises(RateLimited) as info:
        await make(**cassette_fields).authenticate(Password("jane", "pw"))
    assert info.value.retry_after == 120.0
    assert cas.play_count == 2  # a credential POST is not resubmitted when asked to wait this long


async def test_required_actions_as_user_not_confirmed(
    make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    conn = make(**cassette_fields, required_actions_error="user_not_confirmed")
    with replay("keycloak", "required_actions"), pytest.raises(UserNotConfirmed) as info:
        await conn.authenticate(Password("jane", "pw"))
    assert info.value.code == "user_not_confirmed"
    assert info.value.provider_code == "invalid_grant"


async def test_code_flow(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    start, endpoint, params = await replayed.start_code_flow(conn, "keycloak", REDIRECT_URI)
    assert endpoint == f"{ISSUER}/protocol/openid-connect/auth"  # front channel
    callback = {"code": "cassette-code", "state": params["state"], "iss": ISSUER}  # RFC 9207
    values = _values(test_key, nonce=params["nonce"])
    result = await replayed.finish_code_flow(conn, "keycloak", start, callback, values)
    assert result.identity.key == (ISSUER, SUBJECT)


async def test_code_expired(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    await replayed.code_expired(
        make(**cassette_fields), "keycloak", REDIRECT_URI, error=ExpiredCode, iss=ISSUER
    )


async def test_issuer_mismatch_is_explained(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """Reached through the back channel without a pinned hostname, Keycloak would name another
    issuer: a configuration error that says what to fix, never a silent rewrite."""
    conn = make(**{**cassette_fields, "server_url": "https://login.acme.test"})
    with replay("keycloak", "discovery"), pytest.raises(ConfigurationError) as info:
        await conn.authenticate(StartOIDC(REDIRECT_URI))
    err = info.value
    assert err.code == "config.issuer_mismatch"
    assert "hostname" in err.message
    assert "backchannel_url" in err.message


async def test_wrong_password_recordable(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """A wrong password: replayed here, re-recordable against a real server (nox -s record -- keycloak)."""
    await replayed.wrong_password_recordable(make, TENANT, cassette_fields)


async def test_no_secret_in_logs(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey, caplog: pytest.LogCaptureFixture
) -> None:
    await replayed.no_secret_in_logs(make, TENANT, cassette_fields, _values(test_key), caplog)
