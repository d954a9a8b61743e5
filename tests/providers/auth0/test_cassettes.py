"""Auth0 wire exchanges replayed from cassettes (transcribed from the documented shapes; see each
file's header). ID tokens are minted at replay time, never stored."""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
    MFARequired,
    Password,
    PasswordChangeRequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RedirectRequired,
    StartOIDC,
)
from tests.support.cassettes import recording
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors

from .conftest import CLIENT_ID, ISSUER, SUBJECT

pytestmark = pytest.mark.cassette

REDIRECT_URI = "https://app.acme.example/callback"


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
    with replay("auth0", "password_realm_success", values=_values(test_key)) as cas:
        result = await conn.authenticate(Password("jane@acme.example", "correct-horse"))
    assert cas.all_played
    assert isinstance(result, Authenticated)
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
    ("cassette", "expected", "code", "provider_code"),
    [
        ("wrong_password", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("custom_db_wrong_password", InvalidCredentials, "invalid_credentials", "access_denied"),
        ("blocked_user", AccountDisabled, "account_disabled", "unauthorized"),
        ("too_many_attempts", AccountLocked, "account_locked", "too_many_attempts"),
        ("password_leaked", PasswordChangeRequired, "password_change_required", "password_leaked"),
        ("grant_not_allowed", ConfigurationError, "config.grant_disabled", "unauthorized_client"),
        ("invalid_client", ConfigurationError, "config.invalid_client", "access_denied"),
        ("no_default_connection", ConfigurationError, "config.no_default_connection", "server_error"),
        ("rate_limited", RateLimited, "provider.rate_limited", "too_many_requests"),
        ("bot_detection", ProviderError, "provider.bot_detection", "requires_verification"),
        ("html_error", ProviderUnavailable, "provider.unavailable", None),
    ],
)
async def test_password_failures(  # noqa: PLR0917 - fixtures plus the parameter row
    make: Connectors,
    cassette_fields: dict[str, Any],
    cassette: str,
    expected: type[IdpBridgeError],
    code: str,
    provider_code: str | None,
) -> None:
    conn = make(**cassette_fields)
    with replay("auth0", cassette) as cas, pytest.raises(expected) as info:
        await conn.authenticate(Password("jane@acme.example", "Wr0ng-Passw0rd"))
    assert cas.all_played
    err = info.value
    assert type(err) is expected
    assert err.code == code
    assert err.provider_code == provider_code
    assert err.connector == "auth0"
    assert "Wr0ng-Passw0rd" not in str(err)
    assert "<html" not in str(err).lower()


async def test_mfa_required(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    conn = make(**cassette_fields)
    mfa_token = "auth0-mfa-token-from-the-cassette-0001"
    with (
        replay("auth0", "mfa_required", values={"REDACTED-MFA-TOKEN": mfa_token}),
        pytest.raises(MFARequired) as info,
    ):
        await conn.authenticate(Password("jane@acme.example", "correct-horse"))
    err = info.value
    assert err.continuation is not None
    sealed = err.continuation.get_secret_value()
    assert conn.continuations.open(sealed, method="totp").data["mfa_token"] == mfa_token
    assert mfa_token not in str(err) + repr(err)


async def test_code_flow(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    with replay("auth0", "discovery"):
        start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    url = urlsplit(start.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}authorize"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    callback = {"code": "cassette-code", "state": params["state"]}
    with replay("auth0", "code_success", values=_values(test_key, nonce=params["nonce"])) as cas:
        result = await conn.authenticate(FinishOIDC(callback, start.continuation))
    assert cas.all_played
    assert isinstance(result, Authenticated)
    assert result.identity.key == (ISSUER, SUBJECT)


async def test_issuer_without_the_slash_is_refused(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    """The classic Auth0 bug: ``https://{domain}`` (no slash) is another issuer, exactly compared."""
    conn = make(**cassette_fields)
    with replay("auth0", "discovery"):
        start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    params = {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}
    token = test_key.mint(iss=ISSUER.rstrip("/"), aud=CLIENT_ID, sub=SUBJECT, nonce=params["nonce"])
    with (
        replay("auth0", "code_success", values={ID_TOKEN: token, JWK: test_key.public_jwk}),
        pytest.raises(IdpBridgeError) as info,
    ):
        await conn.authenticate(FinishOIDC({"code": "c", "state": params["state"]}, start.continuation))
    assert info.value.code == "token.issuer"


async def test_code_expired(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    conn = make(**cassette_fields)
    with replay("auth0", "discovery"):
        start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    state = parse_qs(urlsplit(start.url).query)["state"][0]
    with replay("auth0", "code_expired"), pytest.raises(ExpiredCode):
        await conn.authenticate(FinishOIDC({"code": "spent", "state": state}, start.continuation))


async def test_wrong_password_recordable(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """A wrong password: replayed here, re-recordable against a real tenant (nox -s record -- auth0)."""
    fields, username, password = cassette_fields, "jane@acme.example", "Wr0ng-Passw0rd"
    if recording("auth0"):
        env = os.environ
        fields = {
            "domain": env["AUTH0_DOMAIN"],
            "client_id": env["AUTH0_CLIENT_ID"],
            "client_secret": env["AUTH0_CLIENT_SECRET"],
            "realm": env.get("AUTH0_REALM", "Username-Password-Authentication"),
            "methods": ["password"],
        }
        username, password = env["AUTH0_USERNAME"], env["AUTH0_PASSWORD"] + "-wrong"
    conn = make(**fields)
    with (
        replay("auth0", "wrong_password", match_on=("method", "path")) as cas,
        pytest.raises(InvalidCredentials),
    ):
        await conn.authenticate(Password(username, password))
    assert cas.play_count == 2 or recording("auth0")


async def test_no_secret_in_logs(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make(**cassette_fields)
    values = _values(test_key)
    with replay("auth0", "password_realm_success", values=values):
        result = await conn.authenticate(Password("jane@acme.example", "correct-horse-battery"))
    with replay("auth0", "wrong_password"), pytest.raises(InvalidCredentials):
        await make(**cassette_fields).authenticate(Password("jane@acme.example", "correct-horse-battery"))
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))  # vcrpy's own
    assert "POST" in logged  # the transport did log the exchange
    shown = logged + repr(result) + repr(result.tokens) + repr(conn) + repr(conn.config)
    for secret in (
        "correct-horse-battery",
        cassette_fields["client_secret"],
        values[ID_TOKEN],
        "AT-CASSETTE-PLACEHOLDER",
    ):
        assert secret not in shown
