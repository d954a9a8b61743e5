"""CIBA answers a real OP never gives (oidc-provider is well-behaved): malformed acknowledgements,
missing endpoints, unsupported delivery modes; and what requests and outcomes show in repr."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from idpbridge import (
    CIBAStarted,
    ConfigurationError,
    ContinuationKeys,
    InvalidRequest,
    MalformedResponse,
    StartCIBA,
)
from idpbridge.oidc import OIDCConnector

from .conftest import ISSUER, discovery_doc


def _connector(answer: Any, **discovery: Any) -> OIDCConnector:
    doc = {
        **discovery_doc(),
        "backchannel_authentication_endpoint": f"{ISSUER}/bc",
        "backchannel_token_delivery_modes_supported": ["poll"],
        **discovery,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={k: v for k, v in doc.items() if v is not None})
        if request.url.path == "/bc":
            return httpx.Response(200, json=answer)
        return httpx.Response(404)

    return OIDCConnector(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        continuation_keys=ContinuationKeys.generate(),
        issuer=ISSUER,
        client_id="c",
        client_secret="s",
        methods=["ciba"],
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"expires_in": 120},
        {"auth_req_id": "", "expires_in": 120},
        {"auth_req_id": 7, "expires_in": 120},
        {"auth_req_id": "x" * 5000, "expires_in": 120},
        {"auth_req_id": "r1"},
        {"auth_req_id": "r1", "expires_in": 10**9},
        {"auth_req_id": "r1", "expires_in": "120"},
        {"auth_req_id": "r1", "expires_in": True},
        {"auth_req_id": "r1", "expires_in": 120, "interval": 0},
        {"auth_req_id": "r1", "expires_in": 120, "interval": 10**6},
    ],
)
async def test_malformed_acknowledgement(answer: dict[str, Any]) -> None:
    conn = _connector(answer)
    with pytest.raises(MalformedResponse) as info:
        await conn.authenticate(StartCIBA(login_hint="alice"))
    assert info.value.code == "provider.ciba"


async def test_no_backchannel_endpoint_is_not_supported() -> None:
    conn = _connector({}, backchannel_authentication_endpoint=None)
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(StartCIBA(login_hint="alice"))
    assert info.value.code == "config.not_supported"


async def test_a_mode_the_op_does_not_offer_is_refused() -> None:
    conn = _connector({"auth_req_id": "r1", "expires_in": 60})
    conn = OIDCConnector(
        conn.config.model_copy(update={"ciba_mode": "ping"}),
        http_client=conn.http.client,
        continuation_keys=ContinuationKeys.generate(),
    )
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(StartCIBA(login_hint="alice"))
    assert info.value.field == "ciba_mode"


async def test_nothing_secret_in_repr() -> None:
    conn = _connector({"auth_req_id": "secret-req-id", "expires_in": 60, "interval": 2})
    request = StartCIBA(id_token_hint="eyJ.secret.hint", user_code="4321", binding_message="B1")
    started = await conn.authenticate(request)
    assert isinstance(started, CIBAStarted)
    assert started.interval == 2
    shown = repr(request) + repr(started) + str(started) + json.dumps(started.request_key)
    for secret in ("eyJ.secret.hint", "4321", "secret-req-id"):
        assert secret not in shown
    assert started.continuation.get_secret_value() not in shown


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"login_hint": "a", "id_token_hint": "t"},
        {"login_hint": "a", "requested_expiry": 0},
        {"login_hint": "a", "requested_expiry": 3601},
        {"login_hint": "a", "requested_expiry": True},
        {"login_hint": 5},
    ],
)
def test_bad_requests_are_refused_when_built(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest):
        StartCIBA(**kwargs)
