"""Meta (Facebook Login) against transcribed cassettes (no network): the classic code flow and the
OIDC variant, debug_token's app and user checks, declined e-mail, and the Graph error table."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from idpbridge import (
    Authenticated,
    ConfigurationError,
    ExpiredCode,
    ExternalToken,
    Method,
    RateLimited,
    TokenValidationError,
    UserCancelled,
)
from idpbridge.identity import ClaimSource
from idpbridge.kit import timed_probe
from tests.support.minted import TestKey, replay
from tests.support.social import finish, start

from .conftest import ACCESS_TOKEN, APP_ID, APP_SECRET, REDIRECT_URI, USER_ID, Make

pytestmark = pytest.mark.cassette

CODE = "AQDcassette-authorization-code"


async def _login(conn: Any, scenario: str, **values: str) -> Any:
    started, params = await start(conn, REDIRECT_URI)
    with replay("meta", scenario, values=values):
        return await finish(conn, started, params, code=CODE)


async def test_authorization_request(make_meta: Make) -> None:
    conn = make_meta(graph_api_version="v23.0")
    started, params = await start(conn, REDIRECT_URI)
    assert started.url.startswith("https://www.facebook.com/v23.0/dialog/oauth?")
    assert params["scope"] == "email,public_profile"  # comma-separated, no openid added
    assert params["return_scopes"] == "true"
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert params["client_id"] == APP_ID
    assert "response_mode" not in params
    assert APP_SECRET not in started.url
    with pytest.raises(ConfigurationError):
        await start(conn, REDIRECT_URI, response_mode="form_post")
    _, oidc = await start(conn, REDIRECT_URI, scopes=("openid", "email"))
    assert oidc["scope"] == "openid,email"


async def test_classic_code_flow(make_meta: Make) -> None:
    result = await _login(make_meta(), "success")
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == ("https://www.facebook.com", USER_ID)
    assert (ident.name, ident.given_name, ident.family_name) == ("Jane Example", "Jane", "Example")
    assert ident.email == "jane@example.com"
    assert ident.email_verified is False  # Meta has no flag: unverified unless trusted
    assert ident.sources["email"] is ClaimSource.PROVIDER_API
    assert ident.claims["granted_scopes"] == ["email", "public_profile"]
    assert ident.claims["declined_scopes"] == []
    assert result.userinfo is not None
    assert result.userinfo["id"] == USER_ID
    assert result.tokens.id_token is None
    assert result.tokens.access_token is not None
    assert result.method is Method.OIDC


async def test_trusted_email(make_meta: Make) -> None:
    result = await _login(make_meta(trust_email=True), "success")
    assert isinstance(result, Authenticated)
    assert result.identity.email_verified is True


async def test_oidc_variant(make_meta: Make, meta_key: TestKey) -> None:
    conn = make_meta(scopes=["openid", "email", "public_profile"])
    started, params = await start(conn, REDIRECT_URI)
    token = meta_key.mint(
        iss="https://www.facebook.com",
        aud=APP_ID,
        sub=USER_ID,
        nonce=params["nonce"],
        email="jane@example.com",
    )
    with replay("meta", "success_oidc", values={"__ID_TOKEN__": token, "__JWK__": meta_key.public_jwk}):
        result = await finish(conn, started, params, code=CODE)
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == ("https://www.facebook.com", USER_ID)
    assert ident.sources["sub"] is ClaimSource.ID_TOKEN
    assert ident.sources["first_name"] is ClaimSource.PROVIDER_API
    assert result.tokens.id_token is not None  # both the ID token ...
    assert result.userinfo is not None  # ... and the Graph profile
    assert ident.claims["granted_scopes"] == ["openid", "email", "public_profile"]


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"sub": "10229876543219999"}, "token.subject"),  # ID token for another user than the access token
        ({"nonce": "not-this-flow"}, "token.nonce"),
        ({"iss": "https://limited.facebook.com"}, "token.issuer"),
        ({"aud": "9876543210987654"}, "token.audience"),
    ],
)
async def test_oidc_variant_refusals(
    make_meta: Make, meta_key: TestKey, claims: dict[str, str], code: str
) -> None:
    conn = make_meta(scopes=["openid", "email"])
    started, params = await start(conn, REDIRECT_URI)
    base = {
        "iss": "https://www.facebook.com",
        "aud": APP_ID,
        "sub": USER_ID,
        "nonce": params["nonce"],
        **claims,
    }
    token = meta_key.mint(**base)
    with (
        replay("meta", "success_oidc", values={"__ID_TOKEN__": token, "__JWK__": meta_key.public_jwk}),
        pytest.raises(TokenValidationError) as err,
    ):
        await finish(conn, started, params, code=CODE)
    assert err.value.code == code


async def test_declined_email(make_meta: Make) -> None:
    result = await _login(make_meta(), "declined_email")
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.subject == USER_ID
    assert ident.email is None
    assert ident.email_verified is None
    assert ident.claims["granted_scopes"] == ["public_profile"]
    assert ident.claims["declined_scopes"] == ["email"]  # visible to the journey


async def test_token_for_another_app(make_meta: Make) -> None:
    with pytest.raises(TokenValidationError) as err:
        await _login(make_meta(), "token_for_another_app")
    assert err.value.code == "token.audience"


async def test_token_rejected_by_debug_token(make_meta: Make) -> None:
    with pytest.raises(TokenValidationError) as err:
        await _login(make_meta(), "token_rejected")
    assert err.value.code == "token.invalid"


@pytest.mark.parametrize(
    "callback",
    [
        {
            "error": "access_denied",
            "error_code": "200",
            "error_description": "Permissions error",
            "error_reason": "user_denied",
        },
        {"error_code": "200", "error_message": "Permissions error"},
    ],
)
async def test_user_cancelled(make_meta: Make, callback: dict[str, str]) -> None:
    conn = make_meta()
    started, params = await start(conn, REDIRECT_URI)
    with replay("meta", "user_cancelled"), pytest.raises(UserCancelled):
        await finish(conn, started, params, **callback)


@pytest.mark.parametrize(
    ("scenario", "error", "code", "provider_code"),
    [
        ("code_used", ExpiredCode, "expired_code", "100/36009"),
        ("code_expired", ExpiredCode, "expired_code", "100/36007"),
        ("bad_client_secret", ConfigurationError, "config.invalid_client", "1"),
        ("user_rate_limited", RateLimited, "provider.rate_limited", "17"),
        ("rate_limited", RateLimited, "provider.rate_limited", "4"),
    ],
)
async def test_graph_errors(
    make_meta: Make, scenario: str, error: type[Exception], code: str, provider_code: str
) -> None:
    with pytest.raises(error) as err:
        await _login(make_meta(), scenario)
    assert getattr(err.value, "code", None) == code
    assert getattr(err.value, "provider_code", None) == provider_code
    assert APP_SECRET not in str(err.value)


async def test_external_access_token(make_meta: Make) -> None:
    """An access token from a Facebook SDK (mobile app): inspected and read the same way."""
    conn = make_meta()
    with replay("meta", "success"):
        result = await conn.authenticate(ExternalToken(SecretStr(ACCESS_TOKEN)))
    assert isinstance(result, Authenticated)
    assert result.method is Method.TOKEN
    assert result.identity.key == ("https://www.facebook.com", USER_ID)
    with replay("meta", "token_for_another_app"), pytest.raises(TokenValidationError):
        await conn.authenticate(ExternalToken(SecretStr(ACCESS_TOKEN)))
    with replay("meta", "success"), pytest.raises(TokenValidationError) as err:
        await conn.authenticate(ExternalToken(SecretStr(ACCESS_TOKEN), username="someone@example.com"))
    assert err.value.code == "token.username"


async def test_revoke(make_meta: Make) -> None:
    with replay("meta", "revoke") as cassette:
        await make_meta().revoke(ACCESS_TOKEN)
    assert cassette.play_count == 1


async def test_check(make_meta: Make, meta_key: TestKey) -> None:
    with replay("meta", "check", values={"__JWK__": meta_key.public_jwk}):
        report = await make_meta().check()
    assert report.ok, report.as_dict()
    assert [r.name for r in report.results] == [
        "configuration",
        "discovery",
        "jwks",
        "client",
        "clock",
        "app_credentials",
    ]
    with replay("meta", "bad_client_secret"):
        bad = await timed_probe(*make_meta().extra_probes()[0])
    assert not bad.ok
    assert APP_SECRET not in bad.detail
