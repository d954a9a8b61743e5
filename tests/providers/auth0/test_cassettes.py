"""Auth0 wire exchanges replayed from cassettes (transcribed from the documented shapes; see each
file's header). ID tokens are minted at replay time, never stored."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    Authenticated,
    ClaimSource,
    ConfigurationError,
    ExpiredCode,
    FinishOIDC,
    IdpBridgeError,
    InvalidCredentials,
    Password,
    PasswordChangeRequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from tests.support import replayed
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors

from .conftest import CLIENT_ID, ISSUER, SUBJECT

pytestmark = pytest.mark.cassette

REDIRECT_URI = "https://app.acme.example/callback"
TENANT = replayed.Tenant(
    "auth0",
    "jane@acme.example",
    success="password_realm_success",
    refusal="wrong_password",
    recorded={
        "domain": "AUTH0_DOMAIN",
        "client_id": "AUTH0_CLIENT_ID",
        "client_secret": "AUTH0_CLIENT_SECRET",
        "realm": "AUTH0_REALM",
    },
    defaults={"realm": "Username-Password-Authentication"},
)


def _values(key: TestKey, **claims: Any) -> dict[str, str]:
    token = key.mint(
        iss=ISSUER,
        aud=CLIENT_ID,
        sub=SUBJECT,
        nickname="jane",
        name="jane@acme.example",
        email="jane@acme.example",
        email_verified=False,
        **claims,
    )
    return {ID_TOKEN: token, JWK: key.public_jwk}


async def test_password_realm_success(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    conn = make(**cassette_fields)
    result = await replayed.replayed_login(
        conn,
        "auth0",
        "password_realm_success",
        Password("jane@acme.example", "correct-horse"),
        values=_values(test_key),
    )
    ident = result.identity
    assert ident.key == (ISSUER, SUBJECT)  # the issuer with its trailing slash
    assert ident.provider == "auth0"
    assert ident.username == "jane"
    assert ident.email_verified is False  # Auth0 lets unverified users sign in: never assume
    assert ident.roles == ("support", "billing")  # the namespaced Action claim, via claim_mapping
    assert ident.sources["https://acme.example/roles"] is ClaimSource.USERINFO
    assert ident.tenant == "acme.us.auth0.test"


async def test_organization_is_the_tenant(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    conn = make(**cassette_fields)
    values = _values(test_key, org_id="org_1a2b3c4d5e6f7g8h")
    with replay("auth0", "password_realm_success", values=values):
        result = await conn.authenticate(Password("jane@acme.example", "correct-horse"))
    assert isinstance(result, Authenticated)
    assert result.identity.tenant == "org_1a2b3c4d5e6f7g8h"


@pytest.mark.parametrize(
    "row",
    replayed.refusals(
        ("wrong_password", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("custom_db_wrong_password", InvalidCredentials, "invalid_credentials", "access_denied"),
        ("blocked_user", AccountDisabled, "account_disabled", "invalid_grant"),
        ("too_many_attempts", AccountLocked, "account_locked", "too_many_attempts"),
        ("password_leaked", PasswordChangeRequired, "password_change_required", "password_leaked"),
        ("grant_not_allowed", ConfigurationError, "config.grant_disabled", "unauthorized_client"),
        ("invalid_client", ConfigurationError, "config.invalid_client", "access_denied"),
        ("no_default_connection", ConfigurationError, "config.no_default_connection", "server_error"),
        ("rate_limited", RateLimited, "provider.rate_limited", "too_many_requests"),
        ("bot_detection", ProviderError, "provider.bot_detection", "requires_verification"),
        ("html_error", ProviderUnavailable, "provider.unavailable", None),
    ),
)
async def test_password_failures(
    make: Connectors, cassette_fields: dict[str, Any], row: replayed.Refusal
) -> None:
    await replayed.password_failure(make(**cassette_fields), "auth0", row, "jane@acme.example")


async def test_mfa_required(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    await replayed.mfa_required(make(**cassette_fields), "auth0", "jane@acme.example")


async def test_code_flow(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    start, endpoint, params = await replayed.start_code_flow(conn, "auth0", REDIRECT_URI)
    assert endpoint == f"{ISSUER}authorize"
    callback = {"code": "cassette-code", "state": params["state"]}
    values = _values(test_key, nonce=params["nonce"])
    result = await replayed.finish_code_flow(conn, "auth0", start, callback, values)
    assert result.identity.key == (ISSUER, SUBJECT)


async def test_issuer_without_the_slash_is_refused(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    """The classic Auth0 bug: ``https://{domain}`` (no slash) is another issuer, exactly compared."""
    conn = make(**cassette_fields)
    start, _, params = await replayed.start_code_flow(conn, "auth0", REDIRECT_URI)
    token = test_key.mint(iss=ISSUER.rstrip("/"), aud=CLIENT_ID, sub=SUBJECT, nonce=params["nonce"])
    with (
        replay("auth0", "code_success", values={ID_TOKEN: token, JWK: test_key.public_jwk}),
        pytest.raises(IdpBridgeError) as info,
    ):
        await conn.authenticate(FinishOIDC({"code": "c", "state": params["state"]}, start.continuation))
    assert info.value.code == "token.issuer"


async def test_code_expired(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    await replayed.code_expired(make(**cassette_fields), "auth0", REDIRECT_URI, error=ExpiredCode)


async def test_wrong_password_recordable(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """A wrong password: replayed here, re-recordable against a real tenant (nox -s record -- auth0)."""
    await replayed.wrong_password_recordable(make, TENANT, cassette_fields)


async def test_no_secret_in_logs(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey, caplog: pytest.LogCaptureFixture
) -> None:
    await replayed.no_secret_in_logs(make, TENANT, cassette_fields, _values(test_key), caplog)
