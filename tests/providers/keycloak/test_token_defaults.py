"""Keycloak's direct grants (password; TOTP in the same grant) replayed from their cassettes with
one field changed: ``token_type`` must be Bearer, and the ID token's ``iat`` within the
token-endpoint limit (300 s + leeway)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from idpbridge import TOTP, Authenticated, MalformedResponse, Password, TokenValidationError
from tests.oidc.integration._drive import totp
from tests.peers import oidc_provider as op
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors
from tests.support.wire import Recorder

from .conftest import CLIENT_ID, ISSUER, SUBJECT

pytestmark = pytest.mark.cassette

PASSWORD = "correct-horse-battery"
BEARER = '"token_type": "Bearer"'


def _values(key: TestKey, **claims: Any) -> dict[str, str]:
    token = key.mint(
        iss=ISSUER, aud=CLIENT_ID, sub=SUBJECT, typ="ID", azp=CLIENT_ID, preferred_username="jane", **claims
    )
    return {ID_TOKEN: token, JWK: key.public_jwk}


async def _run(make: Connectors, fields: dict[str, Any], scenario: str, values: dict[str, str]) -> Any:
    request: Any = Password("jane", PASSWORD)
    if scenario == "totp_success":
        request = TOTP("jane", totp(op.TOTP_SECRET), PASSWORD)
    with replay("keycloak", scenario, values=values):
        return await make(**fields).authenticate(request)


@pytest.fixture
def fields(cassette_fields: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    return {**cassette_fields, "methods": ["password", "totp"], "http_client": recorder.http_client}


SCENARIOS = pytest.mark.parametrize("scenario", ["password_success", "totp_success"])


@SCENARIOS
@pytest.mark.parametrize("changed", ['"token_kind": "Bearer"', '"token_type": "mac"'], ids=["missing", "mac"])
async def test_token_type_must_be_bearer(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, scenario: str, changed: str
) -> None:
    with pytest.raises(MalformedResponse) as info:
        await _run(make, fields, scenario, {**_values(test_key), BEARER: changed})
    assert info.value.code == "provider.token_type"


@SCENARIOS
async def test_stale_id_token_is_refused(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, scenario: str
) -> None:
    now = int(time.time())
    with pytest.raises(TokenValidationError) as info:
        await _run(make, fields, scenario, _values(test_key, iat=now - 480, exp=now + 600))
    assert info.value.code == "token.issued_at"
    assert isinstance(await _run(make, fields, scenario, _values(test_key)), Authenticated)
