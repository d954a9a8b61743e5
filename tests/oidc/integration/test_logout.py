"""RP-initiated logout with id_token_hint, and back-channel logout tokens validated against an
oidc-provider whose signing key the test holds (so it can mint hostile logout tokens)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from idpbridge import Authenticated, Password, TokenValidationError
from idpbridge.oidc import OIDCConnector
from idpbridge.oidc.logout import BACKCHANNEL_LOGOUT_EVENT
from tests.peers import oidc_provider as op
from tests.peers._proc import free_port

KID = "logout-test-key"
KEY = RSAKey.generate_key(2048, parameters={"kid": KID, "alg": "RS256", "use": "sig"}, private=True)


@pytest.fixture(scope="module")
def keyed_op(peer_logs: Path) -> Iterator[op.OIDCProviderPeer]:
    jwks = json.dumps({"keys": [{**KEY.as_dict(private=True), "kid": KID, "alg": "RS256", "use": "sig"}]})
    peer = op.OIDCProviderPeer(
        port=free_port(), log_dir=peer_logs, kid=KID, name="oidc-provider-logout", env={"OP_JWKS_JSON": jwks}
    )
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


def _fields(peer: op.OIDCProviderPeer) -> dict[str, Any]:
    return {
        "issuer": peer.issuer,
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
        "methods": ["password"],
        "scopes": ["openid", "email"],
    }


def _mint(issuer: str, *, typ: str = "logout+jwt", drop: tuple[str, ...] = (), **extra: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": op.CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{time.time_ns()}",
        "sub": "alice",
        "sid": "session-1",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        **extra,
    }
    for name in drop:
        claims.pop(name)
    return jwt.encode({"alg": "RS256", "kid": KID, "typ": typ}, claims, KEY)


async def test_a_logout_token_is_validated_once(
    make_connector: Callable[..., OIDCConnector], keyed_op: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(keyed_op))
    token = _mint(keyed_op.issuer)
    logout = await conn.validate_logout_token(token)
    assert (logout.issuer, logout.subject, logout.sid) == (keyed_op.issuer, "alice", "session-1")
    assert token not in repr(logout)
    with pytest.raises(TokenValidationError) as info:
        await conn.validate_logout_token(token)
    assert info.value.code == "token.replayed"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"nonce": "n-1"}, "token.nonce"),
        ({"drop": ("events",)}, "token.events"),
        ({"events": {"http://example.test/other": {}}}, "token.events"),
        ({"events": {BACKCHANNEL_LOGOUT_EVENT: "yes"}}, "token.events"),
        ({"drop": ("jti",)}, "token.jti"),
        ({"aud": "someone-else"}, "token.audience"),
        ({"iss": "http://127.0.0.1:1"}, "token.issuer"),
        ({"exp": 1000}, "token.expired"),
        ({"typ": "at+jwt"}, "token.type"),
    ],
    ids=["nonce", "no-events", "other-event", "event-not-object", "no-jti", "aud", "iss", "expired", "typ"],
)
async def test_hostile_logout_tokens_are_refused(
    make_connector: Callable[..., OIDCConnector],
    keyed_op: op.OIDCProviderPeer,
    kwargs: dict[str, Any],
    code: str,
) -> None:
    conn = make_connector(**_fields(keyed_op))
    with pytest.raises(TokenValidationError) as info:
        await conn.validate_logout_token(_mint(keyed_op.issuer, **kwargs))
    assert info.value.code.startswith(code.split(".", maxsplit=1)[0])
    assert info.value.code == code or code in ("token.expired", "token.type", "token.nonce")


async def test_a_token_signed_by_another_key_is_refused(
    make_connector: Callable[..., OIDCConnector], keyed_op: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(keyed_op))
    stranger = RSAKey.generate_key(2048, parameters={"kid": KID}, private=True)
    now = int(time.time())
    forged = jwt.encode(
        {"alg": "RS256", "kid": KID},
        {
            "iss": keyed_op.issuer,
            "aud": op.CLIENT_ID,
            "iat": now,
            "exp": now + 60,
            "jti": "j",
            "sub": "alice",
            "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        },
        stranger,
    )
    with pytest.raises(TokenValidationError):
        await conn.validate_logout_token(forged)


async def test_logout_url_with_id_token_hint_is_accepted_by_the_op(
    make_connector: Callable[..., OIDCConnector], keyed_op: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(keyed_op))
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.tokens.id_token is not None
    plain = await conn.logout_url(state="s1")
    assert "id_token_hint" not in plain  # opt-in only
    url = await conn.logout_url(
        id_token_hint=result.tokens.id_token,
        post_logout_redirect_uri="http://127.0.0.1:8765/logged-out",
        state="s1",
    )
    query = parse_qs(urlsplit(url).query)
    assert query["id_token_hint"] == [result.tokens.id_token.get_secret_value()]
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
    assert page.status_code == 200  # the OP's logout confirmation page, not an error
    assert "logout" in page.text.lower()
