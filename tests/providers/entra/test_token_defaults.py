"""Entra: ROPC and the code flow use the token-endpoint ``iat`` limit (300 s); the token method
uses Entra's own external default, 5400 s (its access tokens live a random 60-90 minutes)."""

from __future__ import annotations

import time

import pytest

from idpbridge import Authenticated, ConfigurationError, ExternalToken, Password, TokenValidationError
from tests.oidc.flows.conftest import FakeOP

from .test_connector import Make


def _aged(age: int) -> dict[str, int]:
    now = int(time.time())
    return {"iat": now - age, "exp": now + 600}


async def test_password_grant_refuses_a_stale_id_token(make: Make, entra: FakeOP) -> None:
    entra.id_claims.update(_aged(300 + 60 + 120))
    with pytest.raises(TokenValidationError) as info:
        await make(methods=["password"]).authenticate(Password("jane@contoso.test", "pw"))
    assert info.value.code == "token.issued_at"


async def test_external_token_default_covers_entra_lifetimes(make: Make, entra: FakeOP) -> None:
    conn = make()
    assert conn.config.max_external_token_age == 5400
    eighty_minutes = entra.mint(**_aged(80 * 60))
    assert isinstance(await conn.authenticate(ExternalToken(eighty_minutes)), Authenticated)
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(entra.mint(**_aged(5400 + 60 + 120))))
    assert info.value.code == "token.issued_at"
    stricter = make(max_external_token_age=3600)
    with pytest.raises(TokenValidationError):
        await stricter.authenticate(ExternalToken(eighty_minutes))


@pytest.mark.parametrize("value", [0, 86401, float("nan")])
def test_external_age_range(make: Make, value: float) -> None:
    with pytest.raises(ConfigurationError) as info:
        make(max_external_token_age=value)
    assert "max_external_token_age" in str(info.value)
