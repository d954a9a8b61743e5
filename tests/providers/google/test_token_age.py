"""Google: the code flow's ID token gets the token-endpoint ``iat`` limit (300 s), an ExternalToken
(a Sign in with Google button credential) the external one (3600 s)."""

from __future__ import annotations

import time

import pytest
import respx
from pydantic import SecretStr

from idpbridge import Authenticated, ExternalToken, TokenValidationError
from tests.support.minted import TestKey

from .conftest import Make
from .test_cassettes import _login, _token

pytestmark = pytest.mark.cassette


def _iat(age: int) -> dict[str, int]:
    now = int(time.time())
    return {"iat": now - age, "exp": now + 600}


async def test_code_flow_refuses_a_stale_id_token(make_google: Make, google_key: TestKey) -> None:
    with pytest.raises(TokenValidationError) as err:
        await _login(make_google(), google_key, "success", **_iat(300 + 60 + 120))
    assert err.value.code == "token.issued_at"
    assert isinstance(await _login(make_google(), google_key, "success", **_iat(200)), Authenticated)


async def test_external_token_has_its_own_limit(make_google: Make, google_key: TestKey) -> None:
    conn = make_google()
    with respx.mock(assert_all_called=False) as router:
        router.get("https://www.googleapis.com/oauth2/v3/certs").respond(
            json={"keys": [google_key.key.as_dict(private=False)]}
        )
        half_hour = _token(google_key, None, at_hash=None, **_iat(1800))
        assert isinstance(await conn.authenticate(ExternalToken(SecretStr(half_hour))), Authenticated)
        stale = _token(google_key, None, at_hash=None, **_iat(3600 + 60 + 120))
        with pytest.raises(TokenValidationError) as err:
            await conn.authenticate(ExternalToken(SecretStr(stale)))
        assert err.value.code == "token.issued_at"
        longer = make_google(max_external_token_age=7200)
        assert isinstance(await longer.authenticate(ExternalToken(SecretStr(stale))), Authenticated)
