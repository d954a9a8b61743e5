"""Okta wire exchanges replayed from cassettes (transcribed from the documented shapes; see each
file's header). ID tokens are minted at replay time, never stored."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import (
    ConfigurationError,
    ExpiredCode,
    InvalidCredentials,
    MalformedResponse,
    Password,
    ProviderUnavailable,
    RateLimited,
    TokenValidationError,
)
from tests.support import replayed
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors

from .conftest import CLIENT_ID, ISSUER, SUBJECT
from .conftest import id_token_values as _values

pytestmark = pytest.mark.cassette

REDIRECT_URI = "https://app.acme.example/callback"
TENANT = replayed.Tenant(
    "okta",
    "jane@acme.example",
    success="password_success",
    refusal="wrong_password",
    recorded={
        "domain": "OKTA_DOMAIN",
        "authorization_server_id": "OKTA_AUTHORIZATION_SERVER_ID",
        "client_id": "OKTA_CLIENT_ID",
        "client_secret": "OKTA_CLIENT_SECRET",
    },
    defaults={"authorization_server_id": "default"},
)


async def test_password_success(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    result = await replayed.replayed_login(
        conn,
        "okta",
        "password_success",
        Password("jane@acme.example", "correct-horse"),
        values=_values(test_key),
    )
    ident = result.identity
    assert ident.key == (ISSUER, SUBJECT)
    assert ident.provider == "okta"
    assert ident.email == "jane@acme.example"
    assert ident.email_verified is True
    assert ident.username == "jane@acme.example"
    assert ident.groups == ("Everyone", "Engineering")  # from userinfo
    assert ident.tenant == "acme.okta.test"
    assert ident.amr == ("pwd",)


@pytest.mark.parametrize(
    "row",
    replayed.refusals(
        ("wrong_password", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("locked_out", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("invalid_client_secret", ConfigurationError, "config.invalid_client", "invalid_client"),
        ("unknown_client", ConfigurationError, "config.invalid_client", "invalid_client"),
        ("grant_not_enabled", ConfigurationError, "config.grant_disabled", "unauthorized_client"),
        ("rate_limited", RateLimited, "provider.rate_limited", "E0000047"),
        ("html_error", ProviderUnavailable, "provider.unavailable", None),
        ("malformed_success", MalformedResponse, "provider.malformed_response", None),
    ),
)
async def test_password_failures(
    make: Connectors, cassette_fields: dict[str, Any], row: replayed.Refusal
) -> None:
    await replayed.password_failure(make(**cassette_fields), "okta", row, "jane@acme.example")


async def test_mfa_required(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    err = await replayed.mfa_required(make(**cassette_fields), "okta", "jane@acme.example")
    assert err.message == "Verify with an additional authenticator to complete the sign-in process."


async def test_code_flow(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    start, endpoint, params = await replayed.start_code_flow(
        conn, "okta", REDIRECT_URI, scopes=("openid", "email", "profile", "groups")
    )
    assert endpoint == f"{ISSUER}/v1/authorize"
    assert params["scope"] == "openid email profile groups"
    callback = {"code": "cassette-code", "state": params["state"]}
    values = _values(test_key, nonce=params["nonce"])
    result = await replayed.finish_code_flow(conn, "okta", start, callback, values)
    assert result.identity.key == (ISSUER, SUBJECT)


async def test_code_expired(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    await replayed.code_expired(make(**cassette_fields), "okta", REDIRECT_URI, error=ExpiredCode)


async def test_wrong_password_recordable(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """A wrong password: replayed here, re-recordable against a real org (nox -s record -- okta)."""
    await replayed.wrong_password_recordable(make, TENANT, cassette_fields)


async def test_no_secret_in_logs(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey, caplog: pytest.LogCaptureFixture
) -> None:
    await replayed.no_secret_in_logs(make, TENANT, cassette_fields, _values(test_key), caplog)


async def test_org_server_issuer_is_refused_by_a_custom_server_config(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    """Signed with the right key, but by the org server (``https://{domain}``): not this server's."""
    conn = make(**cassette_fields)
    token = test_key.mint(iss="https://acme.okta.test", aud=CLIENT_ID, sub=SUBJECT)
    with (
        replay("okta", "password_success", values={ID_TOKEN: token, JWK: test_key.public_jwk}),
        pytest.raises(TokenValidationError) as info,
    ):
        await conn.authenticate(Password("jane@acme.example", "correct-horse"))
    assert info.value.code == "token.issuer"
