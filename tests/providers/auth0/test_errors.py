"""Auth0's error table, the two password grants, audience, and the sealed mfa_required continuation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ExpiredCode,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    RateLimited,
    RedirectRequired,
    StartOIDC,
    UserCancelled,
)
from idpbridge.classify import AUTHORIZE, PASSWORD, classify
from idpbridge.methods import Password
from idpbridge.providers.auth0.errors import RULES
from idpbridge.providers.auth0.sheet import SHEET
from tests.support.mfa import sealed_mfa_required
from tests.support.providers import Connectors

from .conftest import ISSUER, REALM

auth0_error = SHEET.parse_error
REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"


def _classify(body: dict[str, Any], status: int, context: str | None = PASSWORD) -> IdpBridgeError:
    info = auth0_error(body)
    return classify(RULES, error=info.error, description=info.description, status=status, context=context)


@pytest.mark.parametrize(
    ("error", "description", "status", "expected", "code"),
    [
        ("invalid_grant", "Wrong email or password.", 403, InvalidCredentials, "invalid_credentials"),
        ("invalid_user_password", "Wrong email or password.", 401, InvalidCredentials, "invalid_credentials"),
        ("access_denied", "Wrong email or password.", 403, InvalidCredentials, "invalid_credentials"),
        ("access_denied", "Unauthorized", 401, ConfigurationError, "config.invalid_client"),
        (
            "access_denied",
            "Please verify your email before logging in.",
            403,
            AuthenticationFailed,
            "access_denied",
        ),
        ("unauthorized", "user is blocked", 401, AccountDisabled, "account_disabled"),
        ("invalid_grant", "user is blocked", 403, AccountDisabled, "account_disabled"),
        ("unauthorized", "Access denied by a rule", 401, AuthenticationFailed, "access_denied"),
        (
            "too_many_attempts",
            "Your account has been blocked after multiple consecutive login attempts.",
            429,
            AccountLocked,
            "account_locked",
        ),
        ("too_many_requests", "Global limit has been reached", 429, RateLimited, "provider.rate_limited"),
        ("too_many_logins", None, 429, RateLimited, "provider.rate_limited"),
        ("mfa_required", "Multifactor authentication required", 403, MFARequired, "mfa_required"),
        ("mfa_registration_required", None, 403, MFARequired, "mfa_required"),
        ("unsupported_challenge_type", None, 400, MFARequired, "mfa_required"),
        ("invalid_grant", "Invalid otp_code.", 403, InvalidCode, "invalid_code"),
        ("invalid_grant", "Malformed mfa_token", 403, ExpiredCode, "expired_code"),
        ("expired_token", "mfa_token is expired", 403, ExpiredCode, "expired_code"),
        (
            "password_leaked",
            "This login attempt has been blocked.",
            403,
            PasswordChangeRequired,
            "password_change_required",
        ),
        (
            "requires_verification",
            "Suspicious request requires verification",
            401,
            ProviderError,
            "provider.bot_detection",
        ),
        (
            "unauthorized_client",
            "Grant type 'password' not allowed for the client.",
            403,
            ConfigurationError,
            "config.grant_disabled",
        ),
        ("invalid_client", None, 401, ConfigurationError, "config.invalid_client"),
        (
            "server_error",
            "Authorization server not configured with default connection.",
            500,
            ConfigurationError,
            "config.no_default_connection",
        ),
        ("server_error", "Something broke", 500, ProviderError, "provider.unavailable"),
        (
            "invalid_request",
            "Missing required parameter: username",
            400,
            ConfigurationError,
            "config.invalid_request",
        ),
    ],
)
def test_table(
    error: str, description: str | None, status: int, expected: type[IdpBridgeError], code: str
) -> None:
    err = _classify({"error": error, "error_description": description}, status)
    assert isinstance(err, expected)
    assert err.code == code


def test_callback_errors() -> None:
    assert isinstance(
        _classify({"error": "unauthorized", "error_description": "user is blocked"}, 302, AUTHORIZE),
        AccountDisabled,
    )
    assert isinstance(
        _classify({"error": "access_denied", "error_description": "User did not authorize"}, 302, AUTHORIZE),
        UserCancelled,
    )


def test_alternative_field_names() -> None:
    info = auth0_error({"errorCode": "invalid_user_password", "message": "Wrong email or password."})
    assert (info.error, info.description) == ("invalid_user_password", "Wrong email or password.")
    info = auth0_error({"code": "too_many_attempts", "description": "blocked"})
    assert (info.error, info.description) == ("too_many_attempts", "blocked")


DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}authorize",
    "token_endpoint": f"{ISSUER}oauth/token",
    "jwks_uri": f"{ISSUER}.well-known/jwks.json",
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    "code_challenge_methods_supported": ["S256", "plain"],
}


@pytest.fixture
def auth0() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{ISSUER}.well-known/openid-configuration").respond(json=DISCOVERY)
        yield router


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


async def test_password_realm_grant(
    auth0: respx.MockRouter, make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    route = auth0.post(f"{ISSUER}oauth/token").respond(
        403, json={"error": "invalid_grant", "error_description": "Wrong email or password."}
    )
    conn = make(**cassette_fields, audience="https://api.acme.example")
    with pytest.raises(InvalidCredentials):
        await conn.authenticate(Password("jane@acme.example", "pw"))
    form = _form(route.calls.last.request)
    assert form["grant_type"] == REALM_GRANT
    assert form["realm"] == REALM
    assert form["audience"] == "https://api.acme.example"
    assert form["client_secret"] == cassette_fields["client_secret"]  # client_secret_post
    assert "authorization" not in route.calls.last.request.headers


async def test_password_grant_without_realm(
    auth0: respx.MockRouter, make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    route = auth0.post(f"{ISSUER}oauth/token").respond(403, json={"error": "invalid_grant"})
    fields = {k: v for k, v in cassette_fields.items() if k != "realm"}
    with pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(Password("jane@acme.example", "pw"))
    form = _form(route.calls.last.request)
    assert form["grant_type"] == "password"
    assert "realm" not in form
    assert "audience" not in form


async def test_too_many_attempts_is_a_lock_not_a_rate_limit(
    auth0: respx.MockRouter, make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    """429 with a body: classified from the body (the HTTP layer hands 429s back to the table)."""
    route = auth0.post(f"{ISSUER}oauth/token").respond(
        429, json={"error": "too_many_attempts", "error_description": "blocked"}
    )
    with pytest.raises(AccountLocked):
        await make(**cassette_fields).authenticate(Password("jane", "pw"))
    assert route.call_count == 1  # no Retry-After: never resubmitted


async def test_audience_on_the_authorization_request(
    auth0: respx.MockRouter, make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    conn = make(**cassette_fields, audience="https://api.acme.example")
    start = await conn.authenticate(StartOIDC("https://app.acme.example/cb"))
    assert isinstance(start, RedirectRequired)
    params = parse_qs(urlsplit(start.url).query)
    assert params["audience"] == ["https://api.acme.example"]
    assert "realm" not in params


async def test_mfa_required_seals_the_mfa_token(
    auth0: respx.MockRouter,
    make: Connectors,
    cassette_fields: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    mfa_token = "auth0-mfa-token-value-0123456789abcdef"
    auth0.post(f"{ISSUER}oauth/token").respond(
        403,
        json={
            "error": "mfa_required",
            "error_description": "Multifactor authentication required",
            "mfa_token": mfa_token,
        },
    )
    conn = make(**cassette_fields)
    _, opened = await sealed_mfa_required(conn, "jane@acme.example", "Corr3ct-Pass", mfa_token, caplog=caplog)
    assert opened.data == {"mfa_token": mfa_token, "username": "jane@acme.example"}
