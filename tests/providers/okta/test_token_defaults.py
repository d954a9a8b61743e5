"""Okta's token-response paths (password grant, Direct Authentication MFA-OTP grant, IDX
``interaction_code`` exchange) replayed from their cassettes with one field changed: a response
without ``token_type`` is refused, and so is an ID token whose ``iat`` is older than the
token-endpoint limit (300 s + leeway)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from idpbridge import TOTP, MalformedResponse, Password, TokenValidationError
from idpbridge.providers.okta import idx
from tests.peers import oidc_provider as op
from tests.support import otp
from tests.support.minted import TestKey, replay
from tests.support.providers import Connectors
from tests.support.wire import Recorder

from .conftest import id_token_values

pytestmark = pytest.mark.cassette

PASSWORD = "correct-horse-battery"
NONCE = "cassette-nonce-0001"
HANDLES = {
    "REDACTED-INTERACTION-HANDLE": "interaction-handle-from-the-cassette",
    "REDACTED-STATE-HANDLE": "02state-handle-from-the-cassette",
    "REDACTED-INTERACTION-CODE": "interaction-code-from-the-cassette",
}
BEARER = '"token_type": "Bearer"'


@pytest.fixture(autouse=True)
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idx, "new_nonce", lambda: NONCE)


def _case(name: str, cassette_fields: dict[str, Any], recorder: Recorder) -> tuple[dict[str, Any], str, Any]:
    base = {**cassette_fields, "http_client": recorder.http_client}
    if name == "password":
        return {**base, "methods": ["password"]}, "password_success", Password("jane@acme.example", PASSWORD)
    login = TOTP("jane@acme.example", otp.code(op.TOTP_SECRET), PASSWORD)
    if name == "direct_mfa_otp":
        return {**base, "methods": ["password", "totp"]}, "totp_direct_success", login
    fields = {
        **base,
        "methods": ["password", "totp"],
        "totp_flow": "idx",
        "interaction_redirect_uri": "https://app.acme.example/idx/callback",
    }
    return fields, "totp_idx_success", login


def _values(name: str, key: TestKey, **claims: Any) -> dict[str, str]:
    values = id_token_values(key, amr=["pwd", "otp"], **claims)
    if name == "idx_interaction_code":
        values = {**id_token_values(key, nonce=NONCE, amr=["pwd", "otp"], **claims), **HANDLES}
    elif name == "direct_mfa_otp":
        values["REDACTED-MFA-TOKEN"] = "okta-mfa-token-from-the-cassette-0001"
    return values


Run = Callable[..., Awaitable[Any]]


@pytest.fixture
def run(make: Connectors, cassette_fields: dict[str, Any], recorder: Recorder, test_key: TestKey) -> Run:
    """``run(name, extra_values, **id_token_claims)``: replay path ``name`` and authenticate."""

    async def go(name: str, extra: dict[str, str], **claims: Any) -> Any:
        fields, scenario, request = _case(name, cassette_fields, recorder)
        with replay("okta", scenario, values={**_values(name, test_key, **claims), **extra}):
            return await make(**fields).authenticate(request)

    return go


PATHS = ("password", "direct_mfa_otp", "idx_interaction_code")


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("changed", ['"token_kind": "Bearer"', '"token_type": "mac"'], ids=["missing", "mac"])
async def test_token_response_needs_bearer_token_type(
    run: Run, recorder: Recorder, name: str, changed: str
) -> None:
    with pytest.raises(MalformedResponse) as info:
        await run(name, {BEARER: changed})
    assert info.value.code == "provider.token_type"
    assert recorder.to("/v1/userinfo") == []


@pytest.mark.parametrize("name", PATHS)
async def test_stale_id_token_is_refused(run: Run, name: str) -> None:
    now = int(time.time())
    with pytest.raises(TokenValidationError) as info:
        await run(name, {}, iat=now - (300 + 60 + 120), exp=now + 600)
    assert info.value.code == "token.issued_at"


@pytest.mark.parametrize("name", PATHS)
async def test_fresh_id_token_with_bearer_passes(run: Run, name: str) -> None:
    assert await run(name, {BEARER: '"token_type": "BEARER"'}) is not None
