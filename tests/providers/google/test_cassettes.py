"""Google connector against transcribed cassettes (no network): the code flow end to end, the
issuer spellings, ``hd`` and ``azp`` rules, and the error table.

ID tokens are minted for each flow (with its nonce) and put into the cassettes at replay time.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import respx
from pydantic import SecretStr

from idpbridge import (
    Authenticated,
    ConfigurationError,
    ExpiredCode,
    ExternalToken,
    InvalidCode,
    ProviderUnavailable,
    TokenValidationError,
    UserCancelled,
)
from idpbridge.identity import ClaimSource
from idpbridge.oidc.idtoken import at_hash
from tests.support.minted import TestKey, replay
from tests.support.social import finish, start

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SUBJECT, Make

pytestmark = pytest.mark.cassette


def _token(key: TestKey, nonce: str | None, **claims: Any) -> str:
    base: dict[str, Any] = {
        "iss": "https://accounts.google.com",
        "aud": CLIENT_ID,
        "sub": SUBJECT,
        "azp": CLIENT_ID,
        "at_hash": at_hash(ACCESS_TOKEN, "RS256"),
        "email": "jane@acme.example",
        "email_verified": True,
        "hd": "acme.example",
        "name": "Jane Example",
        "nonce": nonce,
    }
    base.update(claims)
    iss, aud, sub = base.pop("iss"), base.pop("aud"), base.pop("sub")
    return key.mint(iss=iss, aud=aud, sub=sub, **base)


async def _login(conn: Any, key: TestKey, scenario: str, **claims: Any) -> Any:
    started, params = await start(conn, REDIRECT_URI)
    token = _token(key, params["nonce"], **claims)
    with replay("google", scenario, values={"__ID_TOKEN__": token, "__JWK__": key.public_jwk}):
        return await finish(conn, started, params, code="4/0AcassetteCode")


@pytest.mark.parametrize("iss", ["https://accounts.google.com", "accounts.google.com"])
async def test_success_with_either_issuer_spelling(make_google: Make, google_key: TestKey, iss: str) -> None:
    conn = make_google()
    result = await _login(conn, google_key, "success", iss=iss)
    assert isinstance(result, Authenticated)
    ident = result.identity
    # One Google account, one key, whichever spelling the token used.
    assert ident.key == ("https://accounts.google.com", SUBJECT)
    assert ident.claims["iss"] == iss
    assert ident.provider == "google"
    assert (ident.email, ident.email_verified, ident.tenant) == ("jane@acme.example", True, "acme.example")
    assert (ident.given_name, ident.family_name) == ("Jane", "Example")
    assert ident.sources["email"] is ClaimSource.USERINFO  # UserInfo refreshes profile claims
    assert ident.sources["nonce"] is ClaimSource.ID_TOKEN
    assert result.userinfo is not None
    assert result.userinfo["picture"].startswith("https://")
    assert result.tokens.id_token is not None
    assert result.tokens.access_token is not None


@pytest.mark.parametrize(
    "iss", ["https://accounts.google.com/", "http://accounts.google.com", "ACCOUNTS.GOOGLE.COM"]
)
async def test_other_issuer_spellings_are_refused(make_google: Make, google_key: TestKey, iss: str) -> None:
    conn = make_google()
    with pytest.raises(TokenValidationError) as err:
        await _login(conn, google_key, "hd_mismatch", iss=iss)
    assert err.value.code == "token.issuer"


async def test_authorization_request(make_google: Make) -> None:
    conn = make_google(hosted_domain="acme.example", authorize_params={"access_type": "offline"})
    _, params = await start(conn, REDIRECT_URI)
    assert params["scope"] == "openid email profile"
    assert params["hd"] == "acme.example"  # the account-chooser hint
    assert params["access_type"] == "offline"
    assert params["code_challenge_method"] == "S256"
    assert params["client_id"] == CLIENT_ID
    assert "client_secret" not in params


async def test_hosted_domain_allowed(make_google: Make, google_key: TestKey) -> None:
    conn = make_google(hosted_domain=["other.example", "acme.example"])
    _, params = await start(conn, REDIRECT_URI)
    assert "hd" not in params  # no single hint for several domains
    result = await _login(conn, google_key, "success")
    assert isinstance(result, Authenticated)
    assert result.identity.tenant == "acme.example"


@pytest.mark.parametrize(
    "claims",
    [
        {"hd": "evil.example"},
        {"hd": None},  # a consumer account: no hd at all ...
        {"hd": None, "email": "mallory@acme.example"},  # ... even with an e-mail in the domain
        {"hd": "ACME.EXAMPLE"},  # exact comparison
    ],
)
async def test_hosted_domain_mismatch(make_google: Make, google_key: TestKey, claims: dict[str, Any]) -> None:
    conn = make_google(hosted_domain="acme.example")
    with pytest.raises(TokenValidationError) as err:
        await _login(conn, google_key, "hd_mismatch", **claims)
    assert err.value.code == "token.hosted_domain"


async def test_azp_of_another_client_needs_authorized_parties(make_google: Make, google_key: TestKey) -> None:
    android = "1234567890-android.apps.googleusercontent.com"
    with pytest.raises(TokenValidationError) as err:
        await _login(make_google(), google_key, "hd_mismatch", azp=android)
    assert err.value.code == "token.azp"
    result = await _login(make_google(authorized_parties=[android]), google_key, "success", azp=android)
    assert isinstance(result, Authenticated)
    assert result.identity.claims["azp"] == android


async def test_user_cancelled(make_google: Make) -> None:
    conn = make_google()
    started, params = await start(conn, REDIRECT_URI)
    with replay("google", "user_cancelled"), pytest.raises(UserCancelled):
        await finish(conn, started, params, error="access_denied")


@pytest.mark.parametrize(
    ("scenario", "error", "code"),
    [
        ("code_used", ExpiredCode, "expired_code"),
        ("malformed_code", InvalidCode, "invalid_code"),
        ("bad_client_secret", ConfigurationError, "config.invalid_client"),
        ("redirect_uri_mismatch", ConfigurationError, "config.redirect_uri"),
        ("unavailable_html", ProviderUnavailable, "provider.unavailable"),
    ],
)
async def test_token_endpoint_errors(
    make_google: Make, scenario: str, error: type[Exception], code: str
) -> None:
    conn = make_google()
    started, params = await start(conn, REDIRECT_URI)
    with replay("google", scenario), pytest.raises(error) as err:
        await finish(conn, started, params, code="4/0AcassetteCode")
    assert getattr(err.value, "code", None) == code
    assert CLIENT_SECRET not in str(err.value)


async def test_revoke(make_google: Make) -> None:
    conn = make_google()
    with replay("google", "revoke") as cassette:
        await conn.revoke("ya29.REDACTED-cassette-access-token")
    assert cassette.play_count == 1


async def test_external_google_id_token(make_google: Make, google_key: TestKey) -> None:
    """A Google ID token obtained elsewhere (e.g. the Sign in with Google button), hd enforced."""
    conn = make_google(hosted_domain="acme.example")
    good = _token(google_key, None, at_hash=None, iss="accounts.google.com")
    wrong_hd = _token(google_key, None, at_hash=None, hd="evil.example")
    with respx.mock(assert_all_called=False) as router:
        router.get("https://www.googleapis.com/oauth2/v3/certs").respond(
            json={"keys": [google_key.key.as_dict(private=False)]}
        )
        result = await conn.authenticate(ExternalToken(SecretStr(good)))
        assert isinstance(result, Authenticated)
        assert result.identity.key == ("https://accounts.google.com", SUBJECT)
        with pytest.raises(TokenValidationError) as err:
            await conn.authenticate(ExternalToken(SecretStr(wrong_hd)))
        assert err.value.code == "token.hosted_domain"
        # The username a client claims must be the token's e-mail (username_claim defaults to email).
        ok = await conn.authenticate(ExternalToken(SecretStr(good), username="jane@acme.example"))
        assert isinstance(ok, Authenticated)
        with pytest.raises(TokenValidationError) as err:
            await conn.authenticate(ExternalToken(SecretStr(good), username="mallory@acme.example"))
    assert err.value.code == "token.username"


async def test_no_secret_in_logs_or_repr(
    make_google: Make, google_key: TestKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="idpbridge")
    conn = make_google()
    started, params = await start(conn, REDIRECT_URI)
    token = _token(google_key, params["nonce"])
    with replay("google", "success", values={"__ID_TOKEN__": token, "__JWK__": google_key.public_jwk}):
        result = await finish(conn, started, params, code="4/0AcassetteCode")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("idpbridge"))
    assert "oauth2.googleapis.com/token" in logged  # the requests were logged ...
    shown = logged + repr(conn) + repr(conn.config) + repr(result) + started.url
    for secret in (CLIENT_SECRET, token, ACCESS_TOKEN, "4/0AcassetteCode"):
        assert secret not in shown  # ... without a secret


def test_issuer_rule_is_exact_pair() -> None:
    from idpbridge.providers.google.sheet import SHEET

    rule = SHEET.issuer
    assert rule is not None
    assert (rule.template, *rule.spellings) == ("https://accounts.google.com", "accounts.google.com")
