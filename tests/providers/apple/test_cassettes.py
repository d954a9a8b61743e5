"""Sign in with Apple against transcribed cassettes (no network): the form_post callback with and
without the first-login ``user`` field, string booleans, and the error table.

ID tokens are minted for each flow (with its nonce) and put into the cassettes at replay time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    ConfigurationError,
    ExpiredCode,
    FinishOIDC,
    FlowError,
    UserCancelled,
)
from idpbridge.identity import ClaimSource
from idpbridge.providers.apple.connector import is_private_email
from tests.support.minted import TestKey, replay
from tests.support.social import start

from .conftest import CLIENT_ID, REDIRECT_URI, SUBJECT, Make

pytestmark = pytest.mark.cassette

RELAY = "k8x2mq7pzd@privaterelay.appleid.com"
USER_FIELD = json.dumps(
    {"name": {"firstName": "Jane", "lastName": "Appleseed"}, "email": "attacker-chosen@example.com"}
)


def _token(key: TestKey, nonce: str, **claims: Any) -> str:
    base: dict[str, Any] = {
        "email": RELAY,
        "email_verified": True,
        "is_private_email": True,
        "auth_time": 1_800_000_000,
        "nonce_supported": True,
        "nonce": nonce,
    }
    base.update(claims)
    return key.mint(iss="https://appleid.apple.com", aud=CLIENT_ID, sub=SUBJECT, **base)


async def _login(conn: Any, key: TestKey, scenario: str, form: dict[str, str], **claims: Any) -> Any:
    started, params = await start(conn, REDIRECT_URI)
    assert params["response_mode"] == "form_post"
    token = _token(key, params["nonce"], **claims)
    # What Apple POSTs to the redirect URI (values as a web framework's multi-dict gives them).
    posted = {
        "state": [params["state"]],
        "code": ["c1a2b3.0.cassette-code"],
        **{k: [v] for k, v in form.items()},
    }
    with replay("apple", scenario, values={"__ID_TOKEN__": token, "__JWK__": key.public_jwk}):
        return await conn.authenticate(FinishOIDC(posted, started.continuation))


async def test_authorization_request_forces_form_post(make_apple: Make) -> None:
    conn = make_apple()
    _, params = await start(conn, REDIRECT_URI)
    assert params["response_mode"] == "form_post"
    assert params["scope"] == "openid name email"
    assert params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256"
    assert "client_secret" not in params
    with pytest.raises(ConfigurationError) as err:
        await start(conn, REDIRECT_URI, response_mode="query")
    assert err.value.field == "response_mode"
    # Without name/email nothing requires form_post.
    _, plain = await start(conn, REDIRECT_URI, scopes=("openid",), response_mode="query")
    assert plain["response_mode"] == "query"


async def test_first_login(make_apple: Make, apple_key: TestKey) -> None:
    conn = make_apple()
    # Apple's form also carries a front-channel id_token: ignored (the token endpoint's is used).
    result = await _login(
        conn, apple_key, "first_login", {"user": USER_FIELD, "id_token": "front.channel.token"}
    )
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == ("https://appleid.apple.com", SUBJECT)
    assert (ident.given_name, ident.family_name, ident.name) == ("Jane", "Appleseed", "Jane Appleseed")
    for name in ("given_name", "family_name", "name"):
        assert ident.sources[name] is ClaimSource.FIRST_LOGIN
    # The unsigned user field's e-mail is never used: the ID token's is.
    assert ident.email == RELAY
    assert ident.sources["email"] is ClaimSource.ID_TOKEN
    assert "attacker-chosen@example.com" not in json.dumps(dict(ident.claims))
    assert ident.email_verified is True
    assert is_private_email(ident.claims) is True
    assert result.tokens.refresh_token is not None


async def test_later_login_has_no_name(make_apple: Make, apple_key: TestKey) -> None:
    result = await _login(
        make_apple(), apple_key, "later_login", {}, email="jane@example.com", is_private_email=None
    )
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.subject == SUBJECT  # the same account as on the first login
    assert (ident.given_name, ident.family_name, ident.name) == (None, None, None)
    assert ident.email == "jane@example.com"
    assert is_private_email(ident.claims) is False  # Apple leaves the claim out when false


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (("true", "true"), (True, True)),
        (("false", "false"), (False, False)),
        ((True, False), (True, False)),
        (("True", "yes"), (None, None)),  # anything but the exact strings is unknown, not true
        ((1, 1), (None, None)),
    ],
)
async def test_string_booleans(
    make_apple: Make, apple_key: TestKey, sent: tuple[Any, Any], expected: tuple[Any, Any]
) -> None:
    claims = {"email_verified": sent[0], "is_private_email": sent[1]}
    result = await _login(make_apple(), apple_key, "string_booleans", {}, **claims)
    assert isinstance(result, Authenticated)
    assert (result.identity.email_verified, is_private_email(result.identity.claims)) == expected


@pytest.mark.parametrize("user", ["{not json", json.dumps(["a"]), json.dumps({"name": "Jane"}), "null"])
async def test_malformed_user_field_is_ignored(make_apple: Make, apple_key: TestKey, user: str) -> None:
    result = await _login(make_apple(), apple_key, "first_login", {"user": user})
    assert isinstance(result, Authenticated)
    assert result.identity.given_name is None
    assert result.identity.email == RELAY


async def test_oversized_user_field_is_refused(make_apple: Make) -> None:
    conn = make_apple()
    started, params = await start(conn, REDIRECT_URI)
    form = {"state": params["state"], "code": "c0de", "user": "x" * 5000}
    with replay("apple", "user_cancelled"), pytest.raises(FlowError) as err:  # no request either
        await conn.authenticate(FinishOIDC(form, started.continuation))
    assert err.value.code == "flow.malformed"


async def test_user_cancelled(make_apple: Make) -> None:
    conn = make_apple()
    started, params = await start(conn, REDIRECT_URI)
    with replay("apple", "user_cancelled"), pytest.raises(UserCancelled):
        await conn.authenticate(
            FinishOIDC({"state": params["state"], "error": "user_cancelled_authorize"}, started.continuation)
        )


@pytest.mark.parametrize(
    ("scenario", "error", "code", "message"),
    [
        ("code_expired", ExpiredCode, "expired_code", "expired or has been revoked"),
        ("code_used", ExpiredCode, "expired_code", "already been used"),
        ("bad_client_secret", ConfigurationError, "config.invalid_client", "client secret"),
    ],
)
async def test_token_endpoint_errors(
    make_apple: Make, scenario: str, error: type[Exception], code: str, message: str
) -> None:
    conn = make_apple()
    started, params = await start(conn, REDIRECT_URI)
    with replay("apple", scenario), pytest.raises(error) as err:
        await conn.authenticate(FinishOIDC({"state": params["state"], "code": "c0de"}, started.continuation))
    assert getattr(err.value, "code", None) == code
    assert message in str(err.value)
    assert conn.current_client_secret().get_secret_value() not in str(err.value)


async def test_revoke(make_apple: Make) -> None:
    with replay("apple", "revoke") as cassette:
        await make_apple().revoke("r0REDACTED.refresh")
    assert cassette.play_count == 1
