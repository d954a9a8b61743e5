"""The device authorization grant (RFC 8628) against oidc-provider, approved through the peer's
test-only admin route; slow_down storms from the peer's device-throttled client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from idpbridge import (
    Authenticated,
    DeviceCodeIssued,
    DevicePending,
    ExpiredCode,
    IdpBridgeError,
    Method,
    PollDevice,
    StartDevice,
    UserCancelled,
)
from idpbridge.oidc import OIDCConnector
from idpbridge.replay import MemoryReplayStore
from tests.peers import oidc_provider as op
from tests.support.providers import cli_output, connectors_file, run_cli, running_cli

from .conftest import RequestLog


def _fields(issuer: str, client_id: str = "device-public", **extra: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "client_id": client_id,
        "methods": ["device"],
        "scopes": ["openid", "email", "profile"],
        **extra,
    }


async def _admin(peer: op.OIDCProviderPeer, action: str, user_code: str) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{peer.issuer}/admin/device/{action}", data={"user_code": user_code})
    assert r.status_code == 204, r.text


class FakeTime:
    """A clock that a fake sleep advances (the store's lock and the poll loop share it)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return time.time() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


async def test_device_flow_approved(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    issued = await conn.authenticate(StartDevice())
    assert isinstance(issued, DeviceCodeIssued)
    assert issued.verification_uri == f"{oidc_provider.issuer}/device"
    assert issued.verification_uri_complete is not None
    assert "user_code=" in issued.verification_uri_complete
    assert issued.interval == 5  # the RFC 8628 default: this OP sends no interval
    assert "device_code" not in repr(issued)
    pending = await conn.authenticate(PollDevice(issued.continuation))
    assert isinstance(pending, DevicePending)
    # The lock keeps a second poll inside the interval from reaching the OP: still pending
    # even once the user approved.
    await _admin(oidc_provider, "approve", issued.user_code)
    again = await conn.authenticate(PollDevice(pending.continuation))
    assert isinstance(again, DevicePending)


async def test_wait_device_honours_interval_and_returns_identity(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    clock = FakeTime()
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(oidc_provider.issuer),
            http_client=client,
            replay_store=MemoryReplayStore(clock=clock),
        )
        issued = await conn.authenticate(StartDevice(scopes=("openid", "email")))
        assert isinstance(issued, DeviceCodeIssued)

        polls = 0

        async def sleep(seconds: float) -> None:
            nonlocal polls
            polls += 1
            if polls == 3:
                await _admin(oidc_provider, "approve", issued.user_code)
            await clock.sleep(seconds)

        from idpbridge.oidc import device

        result = await device.wait(conn, issued, sleep=sleep)
        await clock.sleep(5)
        with pytest.raises(IdpBridgeError) as info:  # the device code was redeemed once
            await conn.authenticate(PollDevice(issued.continuation))
    assert info.value.provider_code == "invalid_grant" or info.value.code == "flow.reused"
    assert isinstance(result, Authenticated)
    assert result.method is Method.DEVICE
    assert result.identity.subject == "alice"
    assert result.identity.email == "alice@example.test"
    assert clock.sleeps == [5, 5, 5, 5]
    assert log.count("/token") == 4


async def test_slow_down_storm_obeys_the_interval(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    clock = FakeTime()
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(oidc_provider.issuer, client_id="device-throttled"),
            http_client=client,
            replay_store=MemoryReplayStore(clock=clock),
        )
        issued = await conn.authenticate(StartDevice())
        assert isinstance(issued, DeviceCodeIssued)
        assert issued.interval == 1

        async def sleep(seconds: float) -> None:
            if len(clock.sleeps) == 4:
                await _admin(oidc_provider, "approve", issued.user_code)
            await clock.sleep(seconds)

        from idpbridge.oidc import device

        result = await device.wait(conn, issued, sleep=sleep)
    assert isinstance(result, Authenticated)
    # each poll is answered slow_down (the real OP polls come < 2 s apart): +5 s every time
    # the first poll is answered authorization_pending, every later one slow_down (they come
    # < 2 s apart in real time): the interval grows by 5 s each time (RFC 8628 §3.5)
    assert clock.sleeps == [1, 1, 6, 11, 16]
    assert log.count("/token") == len(clock.sleeps)  # one request per interval, never more


async def test_polls_inside_the_interval_never_reach_the_op(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    """One poll loop per device code across workers: two connectors share the replay store."""
    store = MemoryReplayStore()
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        first = make_connector(**_fields(oidc_provider.issuer), http_client=client, replay_store=store)
        second = make_connector(**_fields(oidc_provider.issuer), http_client=client, replay_store=store)
        issued = await first.authenticate(StartDevice())
        assert isinstance(issued, DeviceCodeIssued)
        answers = await asyncio.gather(
            *(c.authenticate(PollDevice(issued.continuation)) for c in (first, second, first, second))
        )
    assert all(isinstance(a, DevicePending) for a in answers)
    assert log.count("/token") == 1


async def test_denied_is_user_cancelled(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    issued = await conn.authenticate(StartDevice())
    assert isinstance(issued, DeviceCodeIssued)
    await _admin(oidc_provider, "deny", issued.user_code)
    with pytest.raises(UserCancelled) as info:
        await conn.authenticate(PollDevice(issued.continuation))
    assert info.value.provider_code == "access_denied"


async def test_wait_device_is_cancellable(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    issued = await conn.authenticate(StartDevice())
    assert isinstance(issued, DeviceCodeIssued)
    task = asyncio.ensure_future(conn.wait_device(issued))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_expired_code_class() -> None:
    assert ExpiredCode("x", provider_code="expired_token").code == "expired_code"


async def test_cli_login_with_the_device_flow(oidc_provider: op.OIDCProviderPeer, tmp_path: Path) -> None:
    config = connectors_file(
        tmp_path, "dev", {"provider": "oidc", **_fields(oidc_provider.issuer, client_id="device-throttled")}
    )
    args = ("login", "dev", "--config", str(config), "--method", "device", "--json", "--timeout", "60")
    async with running_cli(*args) as proc:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode()
        if "enter the code: " not in line:
            raise AssertionError(line + (await proc.stderr.read()).decode() if proc.stderr else line)
        user_code = line.rsplit("enter the code: ", 1)[1].strip()
        await _admin(oidc_provider, "approve", user_code)
        out = await cli_output(proc)
    identity = json.loads(out.split("\n", 1)[1])
    assert identity["subject"] == "alice"
    assert identity["email"] == "alice@example.test"


def test_connectors_json_lists_device(tmp_path: Path) -> None:
    run = run_cli("connectors", "--json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    (oidc,) = [r for r in (rows if isinstance(rows, list) else rows["connectors"]) if r["name"] == "oidc"]
    assert "device" in oidc["methods"]
