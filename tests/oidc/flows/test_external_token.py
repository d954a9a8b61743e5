"""ExternalToken with JWT access tokens (RFC 9068) and ID tokens, against the scripted OP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from joserfc import jws

from idpbridge import Authenticated, ConfigurationError, ExternalToken, Method, TokenValidationError
from idpbridge.oidc import OIDCConnector

from .conftest import CLIENT_ID, ISSUER, FakeOP

API = "https://api.example.test"


def _access_token(op: FakeOP, typ: str | None = "at+jwt", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": API,
        "client_id": CLIENT_ID,
        "iat": now,
        "exp": now + 60,
    }
    payload.update(claims)
    payload["jti"] = "j1"
    header: dict[str, Any] = {"alg": "RS256", "kid": "k1"}
    if typ:
        header["typ"] = typ
    return jws.serialize_compact(
        header, json.dumps({k: v for k, v in payload.items() if v is not None}), op.key
    )


async def test_access_token(connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP) -> None:
    conn = connector_factory(token_kind="access_token", token_audience=API, username_claim="sub")
    result = await conn.authenticate(ExternalToken(_access_token(fake_op), username="user-1"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.TOKEN
    assert result.tokens.access_token is not None
    assert result.tokens.id_token is None
    assert fake_op.calls("/token") == []  # nothing but discovery and keys
    assert fake_op.calls("/userinfo") == []


@pytest.mark.parametrize(
    ("typ", "claims", "code"),
    [
        ("JWT", {}, "token.type"),  # an ID token is not an access token
        ("at+jwt", {"aud": CLIENT_ID}, "token.audience"),
        ("at+jwt", {"exp": int(time.time()) - 3600}, "token.expired"),
        ("at+jwt", {"iss": "https://evil.example"}, "token.issuer"),
    ],
)
async def test_access_token_refusals(
    connector_factory: Callable[..., OIDCConnector],
    fake_op: FakeOP,
    typ: str,
    claims: dict[str, Any],
    code: str,
) -> None:
    conn = connector_factory(token_kind="access_token", token_audience=API)
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(_access_token(fake_op, typ, **claims)))
    assert info.value.code == code


async def test_id_token_mode_refuses_access_tokens(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory()
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(_access_token(fake_op, aud=CLIENT_ID)))
    assert info.value.code == "token.type"
    ok = await conn.authenticate(ExternalToken(fake_op.mint(nonce="from-elsewhere", preferred_username="u1")))
    assert isinstance(ok, Authenticated)


async def test_username_claim_missing(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory()
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(fake_op.mint(), username="u1"))
    assert info.value.code == "token.username"


def test_access_token_mode_needs_an_audience(connector_factory: Callable[..., OIDCConnector]) -> None:
    with pytest.raises(ConfigurationError) as info:
        connector_factory(token_kind="access_token")
    assert "token_audience" in str(info.value)
