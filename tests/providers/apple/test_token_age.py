"""Sign in with Apple: the code flow's ID token gets the token-endpoint ``iat`` limit (300 s), an
ExternalToken (e.g. from a native app) the external one (3600 s)."""

from __future__ import annotations

import time

import pytest
import respx
from pydantic import SecretStr

from idpbridge import Authenticated, ExternalToken, TokenValidationError
from idpbridge.providers.apple.sheet import SHEET
from tests.support.minted import TestKey

from .conftest import Make
from .test_cassettes import _login, _token

pytestmark = pytest.mark.cassette


def _iat(age: int) -> dict[str, int]:
    now = int(time.time())
    return {"iat": now - age, "exp": now + 600}


async def test_code_flow_refuses_a_stale_id_token(make_apple: Make, apple_key: TestKey) -> None:
    with pytest.raises(TokenValidationError) as err:
        await _login(make_apple(), apple_key, "later_login", {}, **_iat(300 + 60 + 120))
    assert err.value.code == "token.issued_at"
    assert isinstance(await _login(make_apple(), apple_key, "later_login", {}, **_iat(200)), Authenticated)


async def test_external_token_has_its_own_limit(make_apple: Make, apple_key: TestKey) -> None:
    conn = make_apple()
    with respx.mock(assert_all_called=False) as router:
        router.get(SHEET.endpoints["jwks_uri"]).respond(json={"keys": [apple_key.key.as_dict(private=False)]})
        half_hour = _token(apple_key, None, **_iat(1800))  # type: ignore[arg-type]
        assert isinstance(await conn.authenticate(ExternalToken(SecretStr(half_hour))), Authenticated)
        stale = _token(apple_key, None, **_iat(3600 + 60 + 120))  # type: ignore[arg-type]
        with pytest.raises(TokenValidationError) as err:
            await conn.authenticate(ExternalToken(SecretStr(stale)))
        assert err.value.code == "token.issued_at"
