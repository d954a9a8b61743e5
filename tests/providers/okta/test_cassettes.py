"""Okta wire exchanges replayed from cassettes (transcribed from the documented shapes; see each
file's header). ID tokens are minted at replay time, never stored."""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from idpbridge import (
    Authenticated,
    ConfigurationError,
    ExpiredCode,
    FinishOIDC,
    IdpBridgeError,
    InvalidCredentials,
    MalformedResponse,
    MFARequired,
    Password,
    ProviderUnavailable,
    RateLimited,
    RedirectRequired,
    StartOIDC,
    TokenValidationError,
)
from tests.support.cassettes import recording
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors

from .conftest import CLIENT_ID, ISSUER, SUBJECT
from .conftest import id_token_values as _values

pytestmark = pytest.mark.cassette

REDIRECT_URI = "https://app.acme.example/callback"


async def test_password_success(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    with replay("okta", "password_success", values=_values(test_key)) as cas:
        result = await conn.authenticate(Password("jane@acme.example", "correct-horse"))
    assert cas.all_played
    assert isinstance(result, Authenticated)
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
    ("cassette", "expected", "code", "provider_code"),
    [
        ("wrong_password", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("locked_out", InvalidCredentials, "invalid_credentials", "invalid_grant"),
        ("invalid_client_secret", ConfigurationError, "config.invalid_client", "invalid_client"),
        ("unknown_client", ConfigurationError, "config.invalid_client", "invalid_client"),
        ("grant_not_enabled", ConfigurationError, "config.grant_disabled", "unauthorized_client"),
        ("rate_limited", RateLimited, "provider.rate_limited", "E0000047"),
        ("html_error", ProviderUnavailable, "provider.unavailable", None),
        ("malformed_success", MalformedResponse, "provider.malformed_response", None),
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
    with replay("okta", cassette) as cas, pytest.raises(expected) as info:
        await conn.authenticate(Password("jane@acme.example", "Wr0ng-Passw0rd"))
    assert cas.all_played
    err = info.value
    assert type(err) is expected
    assert err.code == code
    assert err.provider_code == provider_code
    assert err.connector == "okta"
    assert "Wr0ng-Passw0rd" not in str(err)
    assert "<html" not in str(err).lower()


async def test_mfa_required(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    conn = make(**cassette_fields)
    mfa_token = "okta-mfa-token-from-the-cassette-0001"
    with (
        replay("okta", "mfa_required", values={"REDACTED-MFA-TOKEN": mfa_token}),
        pytest.raises(MFARequired) as info,
    ):
        await conn.authenticate(Password("jane@acme.example", "correct-horse"))
    err = info.value
    assert err.message == "Verify with an additional authenticator to complete the sign-in process."
    assert err.continuation is not None
    sealed = err.continuation.get_secret_value()
    assert conn.continuations.open(sealed, method="totp").data["mfa_token"] == mfa_token
    assert mfa_token not in str(err) + repr(err)


async def test_code_flow(make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**cassette_fields)
    with replay("okta", "discovery"):
        start = await conn.authenticate(
            StartOIDC(REDIRECT_URI, scopes=("openid", "email", "profile", "groups"))
        )
    assert isinstance(start, RedirectRequired)
    url = urlsplit(start.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/v1/authorize"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["code_challenge_method"] == "S256"
    assert params["scope"] == "openid email profile groups"
    callback = {"code": "cassette-code", "state": params["state"]}
    with replay("okta", "code_success", values=_values(test_key, nonce=params["nonce"])) as cas:
        result = await conn.authenticate(FinishOIDC(callback, start.continuation))
    assert cas.all_played
    assert isinstance(result, Authenticated)
    assert result.identity.key == (ISSUER, SUBJECT)


async def test_code_expired(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    conn = make(**cassette_fields)
    with replay("okta", "discovery"):
        start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    state = parse_qs(urlsplit(start.url).query)["state"][0]
    with replay("okta", "code_expired"), pytest.raises(ExpiredCode):
        await conn.authenticate(FinishOIDC({"code": "spent", "state": state}, start.continuation))


async def test_wrong_password_recordable(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """A wrong password: replayed here, re-recordable against a real org (nox -s record -- okta)."""
    fields, username, password = cassette_fields, "jane@acme.example", "Wr0ng-Passw0rd"
    if recording("okta"):
        env = os.environ
        fields = {
            "domain": env["OKTA_DOMAIN"],
            "authorization_server_id": env.get("OKTA_AUTHORIZATION_SERVER_ID", "default"),
            "client_id": env["OKTA_CLIENT_ID"],
            "client_secret": env["OKTA_CLIENT_SECRET"],
            "methods": ["password"],
        }
        username, password = env["OKTA_USERNAME"], env["OKTA_PASSWORD"] + "-wrong"
    conn = make(**fields)
    with (
        replay("okta", "wrong_password", match_on=("method", "path")) as cas,
        pytest.raises(InvalidCredentials),
    ):
        await conn.authenticate(Password(username, password))
    assert cas.play_count == 2 or recording("okta")


async def test_no_secret_in_logs(
    make: Connectors, cassette_fields: dict[str, Any], test_key: TestKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make(**cassette_fields)
    values = _values(test_key)
    with replay("okta", "password_success", values=values):
        result = await conn.authenticate(Password("jane@acme.example", "correct-horse-battery"))
    with replay("okta", "wrong_password"), pytest.raises(InvalidCredentials):
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
