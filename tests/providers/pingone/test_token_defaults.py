"""PingOne's password method ends in a code exchange at the token endpoint: its answer must say
``token_type`` Bearer, and its ID token's ``iat`` be within the token-endpoint limit."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from idpbridge import Authenticated, MalformedResponse, Password, TokenValidationError
from idpbridge.providers.pingone.connector import PingOneConnector

from .conftest import ISSUER, PASSWORD, FakePingOne

Make = Callable[..., PingOneConnector]


def _token_type(pingone: FakePingOne, value: object) -> None:
    """Answer the token endpoint as the fake does, with ``token_type`` replaced (None: removed)."""
    answer = pingone.op._token

    def altered(request: httpx.Request) -> httpx.Response:
        body = json.loads(answer(request).content)
        body.pop("token_type")
        if value is not None:
            body["token_type"] = value
        return httpx.Response(200, json=body)

    assert pingone.op.router is not None
    pingone.op.router.post(f"{ISSUER}/token").mock(side_effect=altered)


@pytest.mark.parametrize("value", [None, "mac", 1])
async def test_token_type_must_be_bearer(make: Make, pingone: FakePingOne, value: object) -> None:
    _token_type(pingone, value)
    with pytest.raises(MalformedResponse) as info:
        await make().authenticate(Password("jane", PASSWORD))
    assert info.value.code == "provider.token_type"


async def test_lowercase_bearer_is_fine(make: Make, pingone: FakePingOne) -> None:
    _token_type(pingone, "bearer")
    assert isinstance(await make().authenticate(Password("jane", PASSWORD)), Authenticated)


async def test_stale_id_token_is_refused(make: Make, pingone: FakePingOne) -> None:
    now = int(time.time())
    pingone.op.id_claims.update(iat=now - 480, exp=now + 600)
    with pytest.raises(TokenValidationError) as info:
        await make().authenticate(Password("jane", PASSWORD))
    assert info.value.code == "token.issued_at"
