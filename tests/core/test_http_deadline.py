"""One deadline per ``authenticate()`` (``timeouts.authenticate``) over all of its requests.

A real slow server on 127.0.0.1 answers discovery quickly enough and the token request too late:
each request alone is well within ``timeouts.total``, the whole login is not. No timing is
asserted, only which typed error comes out and which requests were made.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

import idpbridge
from idpbridge import ConfigurationError, InvalidCredentials, Password, ProviderUnavailable, _deadline
from idpbridge.cache import MemoryCache
from idpbridge.http import NO_RETRY, HttpClient, HttpPolicy, Timeouts
from idpbridge.oidc import Discovery

from ._loopback import LoopbackServer, Route, serve

SLOW = 2.0  # the token endpoint's delay: far past the deadline, far within timeouts.total
DEADLINE = 1.0
TIMEOUTS = {"total": 10.0, "authenticate": DEADLINE}
INVALID_GRANT = Route(json.dumps({"error": "invalid_grant"}).encode(), status=400)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with serve({}) as s:
        issuer = s.url("/op")
        doc = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/auth",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "grant_types_supported": ["password", "authorization_code"],
        }
        s.routes["/op/.well-known/openid-configuration"] = Route(json.dumps(doc).encode(), delay=0.2)
        s.routes["/op/token"] = Route(INVALID_GRANT.body, status=400, delay=SLOW)
        yield s


def connect(server: LoopbackServer, **timeouts: float) -> Any:
    return idpbridge.connect(
        "oidc",
        name="slow-op",
        issuer=server.url("/op"),
        client_id="c",
        client_secret="s3cret-for-tests",
        methods="password",
        timeouts={**TIMEOUTS, **timeouts},
    )


def login() -> Password:
    return Password(username="jane", password=SecretStr("pw"))


def paths(server: LoopbackServer) -> list[str]:
    return [path for _, path, _ in server.requests]


async def test_a_login_of_several_slow_requests_ends_at_the_deadline(server: LoopbackServer) -> None:
    conn = connect(server)
    try:
        with pytest.raises(ProviderUnavailable) as caught:
            await conn.authenticate(login())
    finally:
        await conn.aclose()
    exc = caught.value
    assert exc.code == "provider.timeout"
    assert exc.connector == "slow-op"
    assert exc.retryable
    assert "timeouts.authenticate" in exc.message
    # both requests were made, each within timeouts.total on its own: the deadline spans the call
    assert paths(server) == ["/op/.well-known/openid-configuration", "/op/token"]
    assert _deadline.remaining() is None  # nothing leaks into the caller's context


async def test_without_the_deadline_the_same_login_completes(server: LoopbackServer) -> None:
    # the control: with a generous deadline the slow token endpoint's answer does arrive
    conn = connect(server, authenticate=30.0)
    try:
        with pytest.raises(InvalidCredentials):
            await conn.authenticate(login())
    finally:
        await conn.aclose()
    assert _deadline.remaining() is None


async def test_the_next_call_gets_a_fresh_deadline(server: LoopbackServer) -> None:
    conn = connect(server)
    try:
        with pytest.raises(ProviderUnavailable):
            await conn.authenticate(login())
        server.routes["/op/token"] = INVALID_GRANT  # now fast: the next call must not inherit anything
        with pytest.raises(InvalidCredentials):
            await conn.authenticate(login())
    finally:
        await conn.aclose()


def test_the_sync_facade_ends_at_the_deadline_too(server: LoopbackServer) -> None:
    with connect(server).sync() as conn:
        with pytest.raises(ProviderUnavailable) as caught:
            conn.authenticate(login())
        assert caught.value.code == "provider.timeout"
        assert caught.value.connector == "slow-op"
        server.routes["/op/token"] = INVALID_GRANT
        with pytest.raises(InvalidCredentials):  # the loop thread kept no deadline either
            conn.authenticate(login())


async def test_each_request_gets_at_most_what_is_left(server: LoopbackServer) -> None:
    # HttpClient alone (timeouts.total 10 s) inside a short deadline: the request is cut by it
    client = HttpClient(HttpPolicy(timeouts=Timeouts(total=10.0), retry=NO_RETRY))
    try:
        with pytest.raises(ProviderUnavailable) as caught:
            async with _deadline.deadline(0.3, what="connector 'x'"):
                await client.post(server.url("/op/token"), data={"grant_type": "password"})
    finally:
        await client.aclose()
    assert caught.value.code == "provider.timeout"
    assert "timeouts.authenticate" in caught.value.message
    assert _deadline.remaining() is None


async def test_nested_deadlines_keep_the_earlier_one() -> None:
    async with _deadline.deadline(5.0, what="outer"):
        first = _deadline.remaining()
        async with _deadline.deadline(60.0, what="inner"):
            second = _deadline.remaining()
        async with _deadline.deadline(1.0, what="inner"):
            third = _deadline.remaining()
        assert _deadline.remaining() is not None
    assert first is not None
    assert second is not None
    assert third is not None
    assert second <= first
    assert third <= 1.0
    assert _deadline.remaining() is None


async def test_other_timeouts_are_not_mistaken_for_the_deadline() -> None:
    async def own_timeout() -> None:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)

    with pytest.raises(TimeoutError):
        async with _deadline.deadline(30.0, what="x"):
            await own_timeout()


async def test_a_cancelled_caller_stays_cancelled() -> None:
    async def body() -> None:
        async with _deadline.deadline(30.0, what="x"):
            await asyncio.sleep(10)

    task = asyncio.create_task(body())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("value", [0, -1, 601, "nan", "inf", "soon"])
def test_the_setting_is_validated(value: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        idpbridge.connect(
            "oidc", issuer="https://op.example.com", client_id="c", timeouts={"authenticate": value}
        )
    assert caught.value.field == "timeouts.authenticate"


def test_the_setting_defaults_to_thirty_seconds() -> None:
    conn = idpbridge.connect("oidc", issuer="https://op.example.com", client_id="c")
    assert conn.config.timeouts.authenticate == 30.0


async def test_a_shared_fetch_is_not_bound_by_the_first_callers_deadline(server: LoopbackServer) -> None:
    # discovery is single-flight: a caller with a nearly spent deadline starts the fetch, a caller
    # with time to spare joins it; the first times out, the second still gets the document
    server.routes["/op/.well-known/openid-configuration"] = dataclasses.replace(
        server.routes["/op/.well-known/openid-configuration"], delay=0.5
    )
    client = HttpClient(HttpPolicy(retry=NO_RETRY))
    discovery = Discovery(client, MemoryCache())

    async def fetch(seconds: float) -> object:
        async with _deadline.deadline(seconds, what=f"caller {seconds:g}"):
            return await discovery.get(server.url("/op"))

    try:
        hurried, patient = await asyncio.gather(fetch(0.1), fetch(10.0), return_exceptions=True)
    finally:
        await client.aclose()
    assert isinstance(hurried, ProviderUnavailable)
    assert hurried.code == "provider.timeout"
    assert not isinstance(patient, BaseException), patient
    assert paths(server) == ["/op/.well-known/openid-configuration"]  # one fetch for both


# -- within(): the timer is armed only when the call suspends -----------------------------------


async def _no_wait() -> str:
    assert _deadline.remaining() is not None  # the deadline is visible to the work it bounds
    return "done"


async def test_a_call_that_never_waits_arms_no_timer() -> None:
    loop = asyncio.get_running_loop()
    before = len(loop._scheduled)  # type: ignore[attr-defined]
    for _ in range(50):
        assert await _deadline.within(_no_wait(), 5.0, what=lambda: "x") == "done"
    assert len(loop._scheduled) == before  # type: ignore[attr-defined]
    assert _deadline.remaining() is None


async def test_time_spent_before_the_first_wait_counts_against_the_deadline() -> None:
    import time

    finished: list[bool] = []

    async def busy_then_wait() -> None:
        time.sleep(0.3)  # noqa: ASYNC251 - blocking work (no suspension) past the whole deadline
        await asyncio.sleep(30)
        finished.append(True)

    with pytest.raises(ProviderUnavailable) as caught:
        await _deadline.within(busy_then_wait(), 0.2, what=lambda: "connector 'x': authenticate()")
    assert finished == []  # cut at its first wait: the sleep never ended
    assert caught.value.code == "provider.timeout"
    assert "connector 'x': authenticate() did not finish within 0.2 s" in caught.value.message
    assert _deadline.remaining() is None


async def test_a_suspended_call_resumes_with_values_and_errors_and_is_cut_by_the_deadline() -> None:
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def waits() -> int:
        value = await fut
        await asyncio.sleep(0)
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")  # the timer's cancellation reaches the suspended code
            raise
        return value

    asyncio.get_running_loop().call_later(0.05, fut.set_result, 7)
    with pytest.raises(ProviderUnavailable):
        await _deadline.within(waits(), 0.3, what=lambda: "x")
    assert seen == ["cancelled"]

    async def fails_after_waiting() -> None:
        await asyncio.sleep(0)
        raise InvalidCredentials("wrong password")

    with pytest.raises(InvalidCredentials):
        await _deadline.within(fails_after_waiting(), 5.0, what=lambda: "x")

    async def returns_after_waiting() -> int:
        await asyncio.sleep(0.01)
        return 42

    assert await _deadline.within(returns_after_waiting(), 5.0, what=lambda: "x") == 42


async def test_cancelling_the_caller_cancels_the_bounded_call() -> None:
    entered = asyncio.Event()
    seen: list[str] = []

    async def long_wait() -> None:
        entered.set()
        try:
            await asyncio.sleep(30)
        finally:
            seen.append("finally")

    task = asyncio.ensure_future(_deadline.within(long_wait(), 60.0, what=lambda: "x"))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["finally"]
