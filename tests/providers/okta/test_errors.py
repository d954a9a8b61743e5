"""Okta's error dialects and classification table, and the sealed mfa_required continuation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from idpbridge import (
    AuthenticationFailed,
    ConfigurationError,
    IdpBridgeError,
    InvalidCredentials,
    MFARequired,
    Password,
    RateLimited,
)
from idpbridge.classify import AUTHORIZATION_CODE, PASSWORD, classify
from idpbridge.providers.okta.errors import RULES
from idpbridge.providers.okta.sheet import SHEET
from tests.support.mfa import sealed_mfa_required
from tests.support.providers import Connectors

from .conftest import ISSUER

ENVELOPE = {"errorLink": "x", "errorId": "oae1", "errorCauses": []}


def _classify(body: dict[str, Any], status: int, context: str = PASSWORD) -> IdpBridgeError:
    info = SHEET.parse_error(body)
    return classify(
        RULES,
        error=info.error,
        description=info.description,
        provider_code=info.provider_code,
        status=status,
        context=context,
    )


@pytest.mark.parametrize(
    ("body", "status", "expected", "code"),
    [
        (
            {"error": "invalid_grant", "error_description": "The credentials provided were invalid."},
            400,
            InvalidCredentials,
            "invalid_credentials",
        ),
        (
            {
                "error": "invalid_client",
                "error_description": "The client secret supplied for a confidential client is invalid.",
            },
            401,
            ConfigurationError,
            "config.invalid_client",
        ),
        (
            {
                "errorCode": "invalid_client",
                "errorSummary": "Invalid value for 'client_id' parameter.",
                **ENVELOPE,
            },
            401,
            ConfigurationError,
            "config.invalid_client",
        ),
        ({"error": "unauthorized_client"}, 400, ConfigurationError, "config.grant_disabled"),
        ({"error": "mfa_required", "mfa_token": "t"}, 403, MFARequired, "mfa_required"),
        (
            {
                "errorCode": "E0000047",
                "errorSummary": "API call exceeded rate limit due to too many requests.",
                **ENVELOPE,
            },
            429,
            RateLimited,
            "provider.rate_limited",
        ),
        (
            {
                "error": "access_denied",
                "error_description": "Policy evaluation failed for this request, "
                "please check the policy configurations.",
            },
            403,
            ConfigurationError,
            "config.policy_denied",
        ),
        (
            {
                "error": "invalid_grant",
                "error_description": "User is not assigned to the client application.",
            },
            400,
            ConfigurationError,
            "config.user_not_assigned",
        ),
        (
            {"error": "invalid_scope", "error_description": "One or more scopes are not configured."},
            400,
            ConfigurationError,
            "config.invalid_scope",
        ),
    ],
)
def test_password_table(body: dict[str, Any], status: int, expected: type[IdpBridgeError], code: str) -> None:
    err = _classify(body, status)
    assert type(err) is expected
    assert err.code == code


def test_both_envelopes_are_read() -> None:
    okta = SHEET.parse_error(
        {"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit.", **ENVELOPE}
    )
    assert (okta.error, okta.description, okta.provider_code) == (
        "E0000047",
        "API call exceeded rate limit.",
        "E0000047",
    )
    oauth = SHEET.parse_error({"error": "invalid_grant", "error_description": "d", "errorCode": "ignored"})
    assert (oauth.error, oauth.description) == ("invalid_grant", "d")
    assert (
        SHEET.parse_error({"errorCode": 7, "errorSummary": ["x"]}).error is None
    )  # wrong JSON types are ignored


def test_invalid_grant_depends_on_the_grant() -> None:
    body = {
        "error": "invalid_grant",
        "error_description": "The authorization code is invalid or has expired.",
    }
    assert _classify(body, 400, AUTHORIZATION_CODE).code == "expired_code"
    assert isinstance(_classify(body, 400, PASSWORD), InvalidCredentials)


def _discovery() -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/v1/authorize",
        "token_endpoint": f"{ISSUER}/v1/token",
        "jwks_uri": f"{ISSUER}/v1/keys",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }


@respx.mock
async def test_mfa_required_seals_the_mfa_token(
    make: Connectors, cassette_fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    mfa_token = "Fe26.2**okta-mfa-token-value-0123456789"
    respx.get(f"{ISSUER}/.well-known/openid-configuration").respond(json=_discovery())
    route = respx.post(f"{ISSUER}/v1/token").respond(
        403,
        json={
            "error": "mfa_required",
            "error_description": "Verify with an additional authenticator.",
            "mfa_token": mfa_token,
        },
    )
    conn = make(**cassette_fields)
    err, opened = await sealed_mfa_required(
        conn, "jane@acme.example", "s3cret-Passw0rd", mfa_token, caplog=caplog
    )
    assert route.call_count == 1
    assert err.provider_code == "mfa_required"
    assert err.connector == "okta"
    assert opened.data == {"mfa_token": mfa_token, "username": "jane@acme.example"}
    assert opened.connector == "okta"


@respx.mock
async def test_the_continuation_is_bound_to_the_connector_instance(
    make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    respx.get(f"{ISSUER}/.well-known/openid-configuration").respond(json=_discovery())
    respx.post(f"{ISSUER}/v1/token").respond(403, json={"error": "mfa_required", "mfa_token": "mfa-1"})
    first = make(**cassette_fields)
    with pytest.raises(MFARequired) as info:
        await first.authenticate(Password("jane", "pw"))
    assert info.value.continuation is not None
    sealed = info.value.continuation
    token = sealed.get_secret_value()
    with pytest.raises(IdpBridgeError) as wrong:  # sealed for totp, not for oidc
        first.continuations.open(token, method="oidc")
    assert wrong.value.code == "flow.wrong_method"


@respx.mock
async def test_mfa_required_without_token_has_no_continuation(
    make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    respx.get(f"{ISSUER}/.well-known/openid-configuration").respond(json=_discovery())
    respx.post(f"{ISSUER}/v1/token").respond(403, json={"error": "mfa_required"})
    with pytest.raises(MFARequired) as info:
        await make(**cassette_fields).authenticate(Password("jane", "pw"))
    assert info.value.continuation is None


@respx.mock
async def test_password_request_shape(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    """ROPC per the Okta guide: Basic client auth, form body with grant/username/password/scope."""
    respx.get(f"{ISSUER}/.well-known/openid-configuration").respond(json=_discovery())
    route = respx.post(f"{ISSUER}/v1/token").respond(400, json={"error": "invalid_grant"})
    with pytest.raises(AuthenticationFailed):
        await make(**cassette_fields).authenticate(Password("jane@acme.example", "pw"))
    request = route.calls.last.request
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form == {
        "grant_type": "password",
        "username": "jane@acme.example",
        "password": "pw",
        "scope": "openid email profile",
    }
    assert request.headers["authorization"].startswith("Basic ")
