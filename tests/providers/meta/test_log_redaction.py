"""No trace of the user access token, the app secret, the code or appsecret_proof in any log record
(every logger at DEBUG). Through a client you pass in, httpx logs each request URL at INFO,
``debug_token?input_token=...``; idpbridge's own client sends through its transport, without it."""

from __future__ import annotations

import secrets

import httpx
import pytest
import respx

from idpbridge import Authenticated
from idpbridge.providers.meta.graph import appsecret_proof
from tests.support.logcapture import PLANTED, PLANTED_ASCII, capture_all_logs, find_leaks
from tests.support.social import finish, start

from .conftest import APP_ID, APP_SECRET, REDIRECT_URI, USER_ID, Make

GRAPH = "https://graph.facebook.com/v24.0"


@pytest.mark.parametrize("injected", [False, True], ids=["own client", "injected client"])
async def test_debug_token_and_me_urls_are_redacted_in_every_logger(make_meta: Make, injected: bool) -> None:
    token = f"EAA{secrets.token_hex(8)}{PLANTED_ASCII}"  # also sent as a Bearer header
    code = f"AQD{secrets.token_hex(8)}{PLANTED}"
    raw = httpx.AsyncClient() if injected else None
    conn = make_meta(http_client=raw) if raw is not None else make_meta()
    with capture_all_logs() as logs:
        started, params = await start(conn, REDIRECT_URI)
        with respx.mock(assert_all_called=True) as router:
            router.post(f"{GRAPH}/oauth/access_token").respond(
                json={"access_token": token, "token_type": "bearer", "expires_in": 5183944}
            )
            debug = router.get(f"{GRAPH}/debug_token").respond(
                json={"data": {"app_id": APP_ID, "type": "USER", "is_valid": True, "user_id": USER_ID}}
            )
            router.get(f"{GRAPH}/me").respond(json={"id": USER_ID, "name": "Jane"})
            result = await finish(conn, started, params, code=code)
    assert isinstance(result, Authenticated)
    assert debug.calls[0].request.url.params["input_token"] == token  # it really was in the URL
    if raw is not None:
        await raw.aclose()
    assert any(r.name == "httpx" and "debug_token" in r.getMessage() for r in logs.records) is injected
    planted = [token, code, APP_SECRET, appsecret_proof(token, APP_SECRET)]
    assert find_leaks(planted, logs.texts) == []
