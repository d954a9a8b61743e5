"""Discovery: URL, exact issuer, per-URL cache with Cache-Control TTL, single-flight, stale-if-error."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from idpbridge.cache import MemoryCache
from idpbridge.errors import ConfigurationError, MalformedResponse, ProviderUnavailable
from idpbridge.oidc import Discovery
from idpbridge.oidc._cached import ttl_from_headers
from idpbridge.oidc.discovery import discovery_url

from .conftest import DISCOVERY_URL, ISSUER, Clock, FakeOP, discovery_doc, make_http


def test_discovery_url() -> None:
    assert discovery_url("https://op.example.com") == DISCOVERY_URL
    assert discovery_url("https://op.example.com/") == DISCOVERY_URL
    # OIDC Discovery appends after the path (not RFC 8414's insertion)
    assert discovery_url("https://x.okta.com/oauth2/default") == (
        "https://x.okta.com/oauth2/default/.well-known/openid-configuration"
    )


async def test_get(discovery: Discovery, op: FakeOP) -> None:
    md = await discovery.get(ISSUER)
    assert md.issuer == ISSUER
    assert md.token_endpoint == f"{ISSUER}/token"
    assert op.requests[0].url == DISCOVERY_URL
    assert (await discovery.get(ISSUER)) is md  # parsed once, served from memory
    assert op.count() == 1


async def test_single_flight_1000_cold_calls(discovery: Discovery, op: FakeOP) -> None:
    results = await asyncio.gather(*(discovery.get(ISSUER) for _ in range(1000)))
    assert {r.issuer for r in results} == {ISSUER}
    assert op.count() == 1


async def test_single_flight_survives_a_cancelled_waiter(discovery: Discovery, op: FakeOP) -> None:
    gate = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return op(request)

    http = make_http(slow)
    d = Discovery(http, MemoryCache())
    first = asyncio.create_task(d.get(ISSUER))
    second = asyncio.create_task(d.get(ISSUER))
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    assert (await second).issuer == ISSUER
    assert op.count() == 1
    await http.client.aclose()


async def test_issuer_mismatch(discovery: Discovery, op: FakeOP) -> None:
    op.discovery = {**discovery_doc(), "issuer": ISSUER + "INVALID"}
    with pytest.raises(ConfigurationError) as info:
        await discovery.get(ISSUER)
    assert info.value.code == "config.issuer_mismatch"


async def test_trailing_slash_is_not_repaired(discovery: Discovery, op: FakeOP) -> None:
    op.discovery = discovery_doc(ISSUER + "/")
    with pytest.raises(ConfigurationError):
        await discovery.get(ISSUER)
    # configured with the slash, it must match exactly
    assert (await discovery.get(ISSUER + "/")).issuer == ISSUER + "/"


async def test_expected_issuer_and_url(discovery: Discovery, op: FakeOP) -> None:
    template = "https://op.example.com/{tenantid}/v2.0"
    op.discovery = {**discovery_doc(), "issuer": template}
    md = await discovery.get(
        "https://op.example.com/common/v2.0", url=DISCOVERY_URL, expected_issuer=template
    )
    assert md.issuer == template
    with pytest.raises(ConfigurationError):
        await discovery.get("https://op.example.com/common/v2.0", url=DISCOVERY_URL)


async def test_overrides(discovery: Discovery) -> None:
    md = await discovery.get(ISSUER, overrides={"userinfo_endpoint": "https://api.example.com/me"})
    assert md.userinfo_endpoint == "https://api.example.com/me"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 3600),
        ({"cache-control": "max-age=600"}, 600),
        ({"cache-control": "public, max-age=7200, must-revalidate"}, 7200),
        ({"cache-control": "max-age=10"}, 300),  # floor
        ({"cache-control": "max-age=999999999"}, 86400),  # ceiling
        ({"cache-control": "no-store"}, 300),
        ({"cache-control": "no-cache"}, 300),
        ({"cache-control": "max-age=abc"}, 3600),
        ({"cache-control": "max-age=1000", "age": "400"}, 600),
    ],
)
def test_ttl_from_headers(headers: dict[str, str], expected: float) -> None:
    assert ttl_from_headers(headers, default=3600, floor=300, ceiling=86400) == expected


async def test_ttl_honoured(discovery: Discovery, op: FakeOP, clock: Clock) -> None:
    op.cache_control = "max-age=900"
    await discovery.get(ISSUER)
    clock.advance(899)
    await discovery.get(ISSUER)
    assert op.count() == 1
    clock.advance(2)
    await discovery.get(ISSUER)
    assert op.count() == 2


async def test_stale_if_error(discovery: Discovery, op: FakeOP, clock: Clock) -> None:
    await discovery.get(ISSUER)
    op.discovery_status = 503
    clock.advance(3601)
    md = await discovery.get(ISSUER)  # refetch fails -> last good document
    assert md.issuer == ISSUER
    assert op.count() == 2
    await discovery.get(ISSUER)
    assert op.count() == 2  # error backoff
    op.discovery_status = 200
    clock.advance(31)
    await discovery.get(ISSUER)
    assert op.count() == 3


async def test_stale_window_ends(discovery: Discovery, op: FakeOP, clock: Clock) -> None:
    await discovery.get(ISSUER)
    op.discovery_status = 503
    clock.advance(3600 + 86400 + 1)
    with pytest.raises(ProviderUnavailable):
        await discovery.get(ISSUER)


async def test_cold_failure(discovery: Discovery, op: FakeOP) -> None:
    op.discovery_status = 500
    with pytest.raises(ProviderUnavailable):
        await discovery.get(ISSUER)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>hi</html>", headers={"content-type": "text/html"}),
        httpx.Response(200, content=b"[1,2]", headers={"content-type": "application/json"}),
        httpx.Response(
            200, content=b'{"issuer":"a","issuer":"b"}', headers={"content-type": "application/json"}
        ),
        httpx.Response(200, content=b'{"issuer":NaN}', headers={"content-type": "application/json"}),
    ],
)
async def test_malformed_documents(op: FakeOP, response: httpx.Response) -> None:
    op.handler_hook = lambda request: response
    http = make_http(op)
    with pytest.raises(MalformedResponse):
        await Discovery(http, MemoryCache()).get(ISSUER)
    await http.client.aclose()


async def test_per_url_cache(discovery: Discovery, op: FakeOP) -> None:
    other = "https://op.example.com/tenant2"
    op.handler_hook = lambda r: (
        httpx.Response(200, json=discovery_doc(other)) if r.url.path.startswith("/tenant2") else None
    )
    a = await discovery.get(ISSUER)
    b = await discovery.get(other)
    assert (a.issuer, b.issuer) == (ISSUER, other)
    assert op.count() == 2


async def test_shared_backend_between_two_instances(op: FakeOP, clock: Clock) -> None:
    cache = MemoryCache(clock=clock)
    http = make_http(op)
    first = Discovery(http, cache, clock=clock)
    second = Discovery(http, cache, clock=clock)
    await first.get(ISSUER)
    await second.get(ISSUER)
    assert op.count() == 1
    await http.client.aclose()
