"""Cognito's API path (InitiateAuth, boto3 against the emulator) uses the token-endpoint defaults:
the ``iat`` age limit for fresh tokens and a required ``TokenType`` ``Bearer``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import Authenticated, MalformedResponse, Password, TokenValidationError
from idpbridge.providers.cognito.connector import CognitoConnector
from idpbridge.sandbox.cognito import CognitoState, FakeCognito

from .conftest import Clock

Make = Callable[..., CognitoConnector]
EMAIL = "jane@example.com"
SECRET = "Passw0rd!"


@pytest.fixture
def pool(fake: FakeCognito) -> dict[str, Any]:
    p = fake.state.add_pool(username_attributes=("email",))
    c = fake.state.add_client(p, secret=False)
    fake.state.add_user(p, EMAIL, password=SECRET, attributes={"email": EMAIL, "email_verified": "true"})
    return {
        "region": p.region,
        "user_pool_id": p.pool_id,
        "client_id": c.client_id,
        "endpoint_url": fake.endpoint_url,
        "methods": ["password"],
    }


async def test_password_refuses_a_stale_id_token(
    pool: dict[str, Any], make_connector: Make, fake_clock: Clock
) -> None:
    fake_clock.offset = -(300 + 60 + 120)  # the IdP mints tokens with an old iat (exp still valid)
    with pytest.raises(TokenValidationError) as info:
        await make_connector(**pool).authenticate(Password(EMAIL, SECRET))
    assert info.value.code == "token.issued_at"


async def test_configured_flow_age_is_used(
    pool: dict[str, Any], make_connector: Make, fake_clock: Clock
) -> None:
    fake_clock.offset = -600
    result = await make_connector(**pool, max_token_age=900).authenticate(Password(EMAIL, SECRET))
    assert isinstance(result, Authenticated)
    assert result.tokens.token_type == "Bearer"


@pytest.mark.parametrize("token_type", [None, "mac", ""])
async def test_authentication_result_needs_bearer_token_type(
    pool: dict[str, Any], make_connector: Make, monkeypatch: pytest.MonkeyPatch, token_type: str | None
) -> None:
    real = CognitoState._tokens

    def tokens(self: CognitoState, flow: Any) -> dict[str, Any]:
        out = real(self, flow)
        result = out["AuthenticationResult"]
        result.pop("TokenType")
        if token_type is not None:
            result["TokenType"] = token_type
        return out

    monkeypatch.setattr(CognitoState, "_tokens", tokens)
    with pytest.raises(MalformedResponse) as info:
        await make_connector(**pool).authenticate(Password(EMAIL, SECRET))
    assert info.value.code == "provider.token_type"
