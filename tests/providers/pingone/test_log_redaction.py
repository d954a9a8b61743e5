"""No trace of a flow id, an interaction or session cookie, the password or the client secret in
any log record (every logger at DEBUG; through a client you pass in, httpx logs each request URL,
``/flows/<flow id>``, at INFO)."""

from __future__ import annotations

import secrets

import httpx
import pytest

from idpbridge import Authenticated, Password
from tests.support.logcapture import PLANTED, capture_all_logs, find_leaks

from .conftest import CLIENT_SECRET, FakePingOne


@pytest.mark.parametrize("injected", [False, True], ids=["own client", "injected client"])
async def test_flow_handles_never_reach_any_logger(
    make: object, pingone: FakePingOne, injected: bool
) -> None:
    password = f"Pw-{secrets.token_hex(6)}{PLANTED}"
    pingone.users["jane"] = (password, "COMPLETED")
    async with httpx.AsyncClient() as raw:
        conn = make(http_client=raw) if injected else make()  # type: ignore[operator]
        with capture_all_logs() as logs:
            result = await conn.authenticate(Password("jane", password))
    assert isinstance(result, Authenticated)
    assert any(r.name == "httpx" and "/flows/" in r.getMessage() for r in logs.records) is injected
    handles = [h for f in pingone.flows.values() for h in (f.id, f.interaction, f.session) if h]
    assert handles
    assert find_leaks([password, *handles], logs.texts) == []
    assert not [t for t in logs.texts if CLIENT_SECRET in t]  # a readable fixture value: whole only
