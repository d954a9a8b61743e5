"""Meta: the OIDC variant's ID token gets the token-endpoint ``iat`` limit (300 s), an
ExternalToken (a Limited Login ID token) the external one (3600 s); the access-token exchange
must say ``token_type`` bearer."""

from __future__ import annotations

import time

import pytest
import respx
from pydantic import SecretStr

from idpbridge import Authenticated, ExternalToken, MalformedResponse, TokenValidationError
from idpbridge.providers.meta.sheet import SHEET
from tests.support.minted import TestKey, replay
from tests.support.social import finish, start

from .conftest import APP_ID, REDIRECT_URI, USER_ID, Make
from .test_cassettes import CODE

pytestmark = pytest.mark.cassette


def _mint(key: TestKey, age: int, **claims: str) -> str:
    now = int(time.time())
    return key.mint(
        iss="https://www.facebook.com", aud=APP_ID, sub=USER_ID, iat=now - age, exp=now + 600, **claims
    )


@pytest.mark.parametrize(("age", "ok"), [(200, True), (300 + 60 + 120, False)])
async def test_code_flow_uses_the_flow_limit(make_meta: Make, meta_key: TestKey, age: int, ok: bool) -> None:
    conn = make_meta(scopes=["openid", "email", "public_profile"])
    started, params = await start(conn, REDIRECT_URI)
    token = _mint(meta_key, age, nonce=params["nonce"], email="jane@example.com")
    with replay("meta", "success_oidc", values={"__ID_TOKEN__": token, "__JWK__": meta_key.public_jwk}):
        if ok:
            assert isinstance(await finish(conn, started, params, code=CODE), Authenticated)
            return
        with pytest.raises(TokenValidationError) as err:
            await finish(conn, started, params, code=CODE)
    assert err.value.code == "token.issued_at"


async def test_external_id_token_has_its_own_limit(make_meta: Make, meta_key: TestKey) -> None:
    conn = make_meta()
    with respx.mock(assert_all_called=False) as router:
        router.get(SHEET.endpoints["jwks_uri"]).respond(json={"keys": [meta_key.key.as_dict(private=False)]})
        half_hour = _mint(meta_key, 1800)
        assert isinstance(await conn.authenticate(ExternalToken(SecretStr(half_hour))), Authenticated)
        with pytest.raises(TokenValidationError) as err:
            await conn.authenticate(ExternalToken(SecretStr(_mint(meta_key, 3600 + 60 + 120))))
        assert err.value.code == "token.issued_at"


@pytest.mark.parametrize(
    ("body", "ok"),
    [('"token_type": "bearer"', True), ('"token_kind": "bearer"', False)],
    ids=["bearer", "missing"],
)
async def test_access_token_exchange_needs_bearer(make_meta: Make, body: str, ok: bool) -> None:
    """Meta answers ``token_type: "bearer"`` (lower case): accepted; without it: refused."""
    conn = make_meta()
    started, params = await start(conn, REDIRECT_URI)
    with replay("meta", "success", values={'"token_type": "bearer"': body}):
        if ok:
            assert isinstance(await finish(conn, started, params, code=CODE), Authenticated)
            return
        with pytest.raises(MalformedResponse) as err:
            await finish(conn, started, params, code=CODE)
    assert err.value.code == "provider.token_type"
