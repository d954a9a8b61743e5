"""Apple's client secret: an ES256 JWT from team id, key id and the .p8 key, verified here with the
public half of the key; cached, renewed at half-life, sent with client_secret_post, never shown."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from joserfc import jws
from joserfc.jwk import ECKey
from pydantic import SecretStr

import idpbridge
from idpbridge import ConfigurationError, ExpiredCode
from idpbridge.providers.apple.client_secret import APPLE_MAX_LIFETIME, mint_client_secret
from tests.support.clock import FixedClock
from tests.support.social import finish, start

from .conftest import CLIENT_ID, KEY_ID, P8, REDIRECT_URI, TEAM_ID, Make, apple_fields

_NOT_A_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"


START = 1_800_000_000.0


def _verify(secret: str, p8: P8) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify the JWT with the public half of the key; return (header, claims)."""
    obj = jws.deserialize_compact(secret, ECKey.import_key(p8.public_pem), algorithms=["ES256"])
    return dict(obj.headers()), json.loads(obj.payload)


def test_minted_secret_verifies_with_the_public_key(make_apple: Make, p8: P8) -> None:
    clock = FixedClock(START)
    conn = make_apple()
    conn.clock = clock
    conn.client_secret._clock = clock  # type: ignore[union-attr]
    secret = conn.current_client_secret().get_secret_value()
    header, claims = _verify(secret, p8)
    assert header == {"alg": "ES256", "kid": KEY_ID}
    assert claims == {
        "iss": TEAM_ID,
        "iat": int(clock.now),
        "exp": int(clock.now) + 86_400,
        "aud": "https://appleid.apple.com",
        "sub": CLIENT_ID,
    }
    other = P8()
    with pytest.raises(Exception):  # noqa: B017, PT011 - any verification failure
        _verify(secret, other)


def test_secret_is_cached_and_renewed_at_half_life(make_apple: Make, p8: P8) -> None:
    clock = FixedClock(START)
    conn = make_apple(client_secret_ttl=3600)
    assert conn.client_secret is not None
    conn.client_secret._clock = clock
    first = conn.current_client_secret()
    clock.now += 1799
    assert conn.current_client_secret() is first  # cached
    clock.now += 1
    second = conn.current_client_secret()
    assert second.get_secret_value() != first.get_secret_value()  # renewed well before expiry
    _, claims = _verify(second.get_secret_value(), p8)
    assert claims["iat"] == int(clock.now)
    assert claims["exp"] - claims["iat"] == 3600
    clock.now -= 10_000  # the clock went backwards: never reuse a secret "from the future"
    assert conn.current_client_secret() is not second


def test_lifetime_stays_well_under_six_months(p8: P8) -> None:
    with pytest.raises(ConfigurationError):
        idpbridge.connect("apple", **apple_fields(p8, client_secret_ttl=APPLE_MAX_LIFETIME))
    with pytest.raises(ConfigurationError):
        mint_client_secret(
            team_id=TEAM_ID,
            key_id=KEY_ID,
            client_id=CLIENT_ID,
            private_key=SecretStr(p8.pem),
            issued_at=0,
            lifetime=APPLE_MAX_LIFETIME + 1,
        )


async def test_token_request_carries_the_secret_in_the_form(
    make_apple: Make, p8: P8, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="idpbridge")
    conn = make_apple()
    started, params = await start(conn, REDIRECT_URI)
    seen: list[httpx.Request] = []

    def token(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "The code has expired."}
        )

    with respx.mock(assert_all_called=False) as router:
        router.post("https://appleid.apple.com/auth/token").mock(side_effect=token)
        revoke = router.post("https://appleid.apple.com/auth/revoke").respond(200)
        with pytest.raises(ExpiredCode):
            await finish(conn, started, params, code="c0de")
        await conn.revoke("r.refresh-token")
    form = {k: v[0] for k, v in parse_qs(seen[0].content.decode()).items()}
    assert "authorization" not in seen[0].headers  # client_secret_post only
    assert form["client_id"] == CLIENT_ID
    assert form["grant_type"] == "authorization_code"
    secret = form["client_secret"]
    assert _verify(secret, p8)[1]["sub"] == CLIENT_ID
    revoke_form = {k: v[0] for k, v in parse_qs(revoke.calls[0].request.content.decode()).items()}
    assert revoke_form["client_secret"] == secret  # the cached secret
    assert revoke_form["token_type_hint"] == "refresh_token"
    assert revoke_form["token"] == "r.refresh-token"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("idpbridge"))
    assert "auth/token" in logged
    for shown in (logged, repr(conn), repr(conn.config), repr(conn.client_secret), started.url):
        assert secret not in shown
        assert "PRIVATE KEY" not in shown
        assert p8.pem.splitlines()[1] not in shown


def test_ready_client_secret_instead_of_key_material(p8: P8) -> None:
    ready = mint_client_secret(
        team_id=TEAM_ID,
        key_id=KEY_ID,
        client_id=CLIENT_ID,
        private_key=SecretStr(p8.pem),
        issued_at=1_800_000_000,
        lifetime=86_400,
    )
    conn = idpbridge.connect("apple", client_id=CLIENT_ID, client_secret=ready.get_secret_value())
    assert conn.current_client_secret().get_secret_value() == ready.get_secret_value()
    assert conn.client_secret is None
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("apple", **apple_fields(p8, client_secret=ready.get_secret_value()))
    assert "not both" in err.value.message
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("apple", client_id=CLIENT_ID, client_secret="plain-shared-secret")
    assert "plain-shared-secret" not in str(err.value)


def test_private_key_path(p8: P8, tmp_path: Path) -> None:
    path = tmp_path / "AuthKey_KEY1234567.p8"
    path.write_text(p8.pem)
    conn = idpbridge.connect(
        "apple", client_id=CLIENT_ID, team_id=TEAM_ID, key_id=KEY_ID, private_key_path=path
    )
    assert _verify(conn.current_client_secret().get_secret_value(), p8)[1]["iss"] == TEAM_ID
    with pytest.raises(ConfigurationError):
        idpbridge.connect(
            "apple",
            client_id=CLIENT_ID,
            team_id=TEAM_ID,
            key_id=KEY_ID,
            private_key_path=tmp_path / "nope.p8",
        )


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"team_id": None}, "team_id"),
        ({"team_id": "short"}, "team_id"),
        ({"key_id": "lower12345"}, "key_id"),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"},
            "private_key",
        ),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "client_secret_basic"),
        ({"response_mode": "query"}, "form_post"),
    ],
)
def test_invalid_configuration(p8: P8, fields: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("apple", **{**apple_fields(p8), **fields})
    assert needle in err.value.message
    assert "not a key" not in err.value.message


def test_rsa_key_is_not_an_apple_key(p8: P8) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("apple", **apple_fields(p8, private_key=rsa_pem))
    assert "P-256" in err.value.message
    assert rsa_pem.splitlines()[1] not in str(err.value)
