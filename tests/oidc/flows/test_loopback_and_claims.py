"""The CLI's loopback redirect receiver, and claim merging/normalization."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from idpbridge import ClaimSource, ConfigurationError
from idpbridge.cli._loopback import LoopbackReceiver
from idpbridge.oidc.claims import ClaimMap, build_identity, lookup, merge_claims


async def test_receiver_query_then_conflict() -> None:
    async with LoopbackReceiver() as rx, httpx.AsyncClient() as browser:
        assert rx.redirect_uri == f"http://127.0.0.1:{rx.port}/callback"
        assert rx.port
        assert (await browser.get(f"http://127.0.0.1:{rx.port}/favicon.ico")).status_code == 404
        assert (await browser.put(rx.redirect_uri)).status_code == 405
        ok = await browser.get(rx.redirect_uri, params={"code": "c", "state": "s"})
        assert ok.status_code == 200
        assert ok.headers["cache-control"] == "no-store"
        assert await rx.wait(1) == {"code": ["c"], "state": ["s"]}
        again = await browser.get(rx.redirect_uri, params={"code": "other"})
        assert again.status_code == 409


async def test_receiver_form_post() -> None:
    async with LoopbackReceiver(path="/cb") as rx, httpx.AsyncClient() as browser:
        bad = await browser.post(rx.redirect_uri, json={"code": "c"})
        assert bad.status_code == 400
        ok = await browser.post(rx.redirect_uri, data={"code": "c", "state": "s", "iss": "https://op"})
        assert ok.status_code == 200
        assert await rx.wait(1) == {"code": ["c"], "state": ["s"], "iss": ["https://op"]}


async def test_receiver_times_out_and_refuses_non_loopback() -> None:
    async with LoopbackReceiver() as rx:
        with pytest.raises(TimeoutError):
            await rx.wait(0.05)
    with pytest.raises(ValueError, match="loopback"):
        LoopbackReceiver(host="0.0.0.0")


async def test_receiver_survives_garbage() -> None:
    async with LoopbackReceiver() as rx:
        reader, writer = await asyncio.open_connection("127.0.0.1", rx.port)
        writer.write(b"NONSENSE\r\n\r\n")
        await writer.drain()
        reply = await reader.read()
        writer.close()
        assert reply.startswith(b"HTTP/1.1 400")


def test_merge_claims_layers_and_protection() -> None:
    claims, sources = merge_claims(
        (ClaimSource.ID_TOKEN, {"sub": "a", "email": "old@x", "nonce": "n", "auth_time": 1}),
        (
            ClaimSource.USERINFO,
            {"sub": "b", "email": "new@x", "nonce": "m", "auth_time": 2, "phone_number": None},
        ),
        (ClaimSource.PROVIDER_API, {"groups": ["g"]}),
    )
    assert claims == {"sub": "a", "email": "new@x", "nonce": "n", "auth_time": 1, "groups": ["g"]}
    assert sources["email"] is ClaimSource.USERINFO
    assert sources["sub"] is ClaimSource.ID_TOKEN
    assert sources["groups"] is ClaimSource.PROVIDER_API
    assert "phone_number" not in sources


def test_identity_normalization() -> None:
    claims = {
        "sub": "s",
        "email": "",
        "email_verified": 1,
        "name": "   ",
        "given_name": 5,
        "groups": "solo",
        "roles": ["r", "", 3],
        "amr": "pwd",
        "auth_time": float("nan"),
        "https://acme.example/tenant": "t1",
    }
    ident = build_identity(
        claims,
        {},
        mapping=ClaimMap(tenant="https://acme.example/tenant"),
        provider="p",
        connector="c",
        issuer="https://op",
        subject="s",
    )
    assert ident.email is None
    assert ident.name is None
    assert ident.given_name is None
    assert ident.email_verified is None  # 1 is not a JSON true
    assert ident.groups == ("solo",)
    assert ident.roles == ("r",)
    assert ident.amr == ("pwd",)
    assert ident.auth_time is None
    assert ident.tenant == "t1"  # a top-level claim name containing dots wins over a path


def test_lookup_paths() -> None:
    claims = {"realm_access": {"roles": ["a"]}, "a.b": 1, "x": 3}
    assert lookup(claims, "realm_access.roles") == ["a"]
    assert lookup(claims, "a.b") == 1
    assert lookup(claims, "x.y") is None
    assert lookup(claims, None) is None


def test_claim_map_overrides() -> None:
    cm = ClaimMap().with_overrides({"username": "email", "tenant": "tid", "string_booleans": True})
    assert (cm.username, cm.tenant, cm.string_booleans) == ("email", "tid", True)
    for bad in ({"nope": "x"}, {"username": 5}, {"string_booleans": "yes"}):
        with pytest.raises(ConfigurationError):
            ClaimMap().with_overrides(bad)
