"""JWKS manager: key selection, junk tolerance, caching, refetch cooldown, stale-if-error."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from idpbridge.cache import MemoryCache
from idpbridge.errors import MalformedResponse, ProviderUnavailable, TokenValidationError
from idpbridge.oidc import JWKSManager
from idpbridge.oidc.jwks import parse_jwks

from .conftest import JWKS_URI, Clock, FakeOP, Keys, make_http, public_jwk


async def test_selects_by_kid_kty_alg(jwks_manager: JWKSManager, keys: Keys) -> None:
    assert (await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"
    assert (await jwks_manager.get_key(JWKS_URI, kid="ec1", alg="ES256")).kid == "ec1"
    assert (await jwks_manager.get_key(JWKS_URI, kid="ed1", alg="Ed25519")).kid == "ed1"
    assert (await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="PS256")).kid == "rsa1"


@pytest.mark.parametrize(
    ("kid", "alg"), [("rsa1", "ES256"), ("ec1", "RS256"), ("ec1", "ES384"), ("ed1", "ES256")]
)
async def test_wrong_type_for_alg(jwks_manager: JWKSManager, kid: str, alg: str) -> None:
    with pytest.raises(TokenValidationError) as info:
        await jwks_manager.get_key(JWKS_URI, kid=kid, alg=alg)
    assert info.value.code == "token.key_not_found"


@pytest.mark.parametrize("alg", ["HS256", "none", "XX999"])
async def test_no_key_for_symmetric_or_unknown_alg(jwks_manager: JWKSManager, op: FakeOP, alg: str) -> None:
    op.jwks["keys"].append({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", "kid": "rsa1"})
    with pytest.raises(TokenValidationError):
        await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg=alg)


def _junk(keys: Keys) -> list[Any]:
    rsa = public_jwk(keys.rsa)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weak = RSAKey.generate_key(1024, parameters={"kid": "weak"}).as_dict(private=False)
    return [
        "not-an-object",
        7,
        None,
        {"kty": "AKP", "kid": "x", "pub": "abc"},  # unknown kty
        {"kty": "EC", "crv": "secp256k1", "kid": "k1", "x": rsa["n"][:43], "y": rsa["n"][:43]},
        {"kty": "RSA", "kid": "missing-n", "e": "AQAB"},
        {"kty": "RSA", "kid": "bad-b64", "n": "!!!not base64!!!", "e": "AQAB"},
        {"kty": "RSA", "kid": "e1", "n": rsa["n"], "e": "AQ"},  # e = 1
        {"kty": "RSA", "kid": "even-e", "n": rsa["n"], "e": "Ag"},  # e = 2
        {**rsa, "kid": "enc1", "use": "enc"},
        {**rsa, "kid": "ops", "key_ops": ["encrypt"]},
        {**rsa, "kid": "ops-bad", "key_ops": "verify"},
        {**rsa, "kid": 5},
        {**keys.rsa.as_dict(private=True), "kid": "private"},  # private material published
        {**weak},
        {"kty": "EC", "crv": "P-256", "kid": "off-curve", "x": "AAAA" * 10 + "AAA", "y": "AAAA" * 10 + "AAA"},
        {"kty": "OKP", "crv": "X25519", "kid": "ecdh", "x": "AAAA" * 10 + "AAA"},
        {"kty": "oct", "kid": "sym", "k": "c2VjcmV0"},
        rsa,
    ]


def test_parse_skips_junk_keeps_valid(keys: Keys) -> None:
    found = parse_jwks({"keys": _junk(keys)})
    assert [c.kid for c in found] == ["rsa1"]


@pytest.mark.parametrize("doc", [{"keys": "x"}, {"keys": {"a": 1}}, {"nokeys": []}])
def test_parse_rejects_bad_shape(doc: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponse):
        parse_jwks(doc)


async def test_junk_set_still_verifies(jwks_manager: JWKSManager, op: FakeOP, keys: Keys) -> None:
    op.jwks = {"keys": _junk(keys)}
    assert (await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"
    with pytest.raises(TokenValidationError):
        await jwks_manager.get_key(JWKS_URI, kid="enc1", alg="RS256")


async def test_no_kid_single_candidate(jwks_manager: JWKSManager, op: FakeOP, keys: Keys) -> None:
    assert (await jwks_manager.get_key(JWKS_URI, kid=None, alg="RS256")).kid == "rsa1"


async def test_no_kid_multiple_candidates_is_ambiguous(
    jwks_manager: JWKSManager, op: FakeOP, keys: Keys
) -> None:
    op.jwks = {"keys": [public_jwk(keys.rsa), public_jwk(keys.rsa2)]}
    with pytest.raises(TokenValidationError) as info:
        await jwks_manager.get_key(JWKS_URI, kid=None, alg="RS256")
    assert "more than one" in info.value.message


async def test_duplicate_kid_is_ambiguous(jwks_manager: JWKSManager, op: FakeOP, keys: Keys) -> None:
    op.jwks = {"keys": [public_jwk(keys.rsa), public_jwk(keys.attacker)]}  # both kid rsa1
    with pytest.raises(TokenValidationError):
        await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")


async def test_bad_document_is_provider_error(jwks_manager: JWKSManager, op: FakeOP) -> None:
    op.jwks = {"keys": "nope"}
    with pytest.raises(MalformedResponse):
        await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")


async def test_cold_fetch_failure_propagates(jwks_manager: JWKSManager, op: FakeOP) -> None:
    op.jwks_status = 503
    with pytest.raises(ProviderUnavailable):
        await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")


async def test_single_flight_cold(jwks_manager: JWKSManager, op: FakeOP) -> None:
    results = await asyncio.gather(
        *(jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256") for _ in range(1000))
    )
    assert {r.kid for r in results} == {"rsa1"}
    assert op.jwks_fetches == 1


async def test_concurrent_unknown_kid_one_refetch(jwks_manager: JWKSManager, op: FakeOP, keys: Keys) -> None:
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    op.jwks = {"keys": [public_jwk(keys.rsa), public_jwk(keys.rsa2)]}
    results = await asyncio.gather(
        *(jwks_manager.get_key(JWKS_URI, kid="rsa2", alg="RS256") for _ in range(200))
    )
    assert {r.kid for r in results} == {"rsa2"}  # every caller joined the one refetch
    assert op.jwks_fetches == 2


async def test_ttl_expiry_refetches(jwks_manager: JWKSManager, op: FakeOP, clock: Clock) -> None:
    op.cache_control = "public, max-age=600"
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    clock.advance(599)
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    assert op.jwks_fetches == 1
    clock.advance(2)
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    assert op.jwks_fetches == 2


async def test_failed_refetch_keeps_last_good_set(
    jwks_manager: JWKSManager, op: FakeOP, clock: Clock
) -> None:
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    op.jwks_status = 500
    # unknown kid -> refetch fails -> key_not_found, but the good set stays usable
    with pytest.raises(TokenValidationError):
        await jwks_manager.get_key(JWKS_URI, kid="new", alg="RS256")
    assert (await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"
    # and after the TTL ran out while the OP is down: stale-if-error
    clock.advance(3601)
    assert (await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"
    fetches = op.jwks_fetches
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    assert op.jwks_fetches == fetches  # error backoff: no hammering a down OP


async def test_refetch_storm_against_down_op(jwks_manager: JWKSManager, op: FakeOP) -> None:
    await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    op.jwks_status = 503
    for i in range(50):
        with pytest.raises(TokenValidationError):
            await jwks_manager.get_key(JWKS_URI, kid=f"k{i}", alg="RS256")
    assert op.jwks_fetches == 2
    assert (await jwks_manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"


async def test_key_sets_are_per_uri(op: FakeOP, keys: Keys, clock: Clock) -> None:
    other = {"keys": [public_jwk(keys.attacker, kid="rsa1")]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "other.example":
            return httpx.Response(200, json=other)
        return op(request)

    http = make_http(handler)
    manager = JWKSManager(http, MemoryCache(clock=clock), clock=clock)
    a = await manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    b = await manager.get_key("https://other.example/jwks", kid="rsa1", alg="RS256")
    assert a.as_dict()["n"] == keys.rsa.as_dict(private=False)["n"]
    assert b.as_dict()["n"] == keys.attacker.as_dict(private=False)["n"]
    await http.client.aclose()


async def test_broken_cache_backend_does_not_break_logins(op: FakeOP, clock: Clock) -> None:
    class Broken:
        async def get(self, key: str) -> bytes | None:
            raise ConnectionError("down")

        async def set(self, key: str, value: bytes, ttl: float) -> None:
            raise ConnectionError("down")

        async def add(self, key: str, value: bytes, ttl: float) -> bool:
            raise ConnectionError("down")

        async def delete(self, key: str) -> None:
            raise ConnectionError("down")

    http = make_http(op)
    manager = JWKSManager(http, Broken(), clock=clock)
    assert (await manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"
    await http.client.aclose()


async def test_corrupt_cache_entry_is_ignored(op: FakeOP, clock: Clock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set("idpbridge:oidc:jwks:" + JWKS_URI, b"garbage\n{]", 600)
    http = make_http(op)
    manager = JWKSManager(http, cache, clock=clock)
    assert (await manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")).kid == "rsa1"
    assert op.jwks_fetches == 1
    await http.client.aclose()


async def test_signing_keys_for_check(jwks_manager: JWKSManager, op: FakeOP, keys: Keys) -> None:
    op.jwks = {"keys": [*_junk(keys), public_jwk(keys.ec)]}
    usable = await jwks_manager.signing_keys(JWKS_URI, algorithms={"RS256", "ES256", "HS256", "none"})
    assert usable == [("ec1", "ES256"), ("rsa1", "RS256")]
    assert await jwks_manager.signing_keys(JWKS_URI, algorithms={"ES384"}) == []


class CountingCache(MemoryCache):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.calls: list[str] = []

    async def get(self, key: str) -> bytes | None:
        self.calls.append("get")
        return await super().get(key)

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        self.calls.append("add")
        return await super().add(key, value, ttl)


async def test_local_cooldown_spares_the_shared_cache(op: FakeOP, clock: Clock) -> None:
    # Within the cooldown an unknown kid costs neither a fetch nor a round trip to the (Redis) cache.
    cache = CountingCache(clock)
    http = make_http(op)
    manager = JWKSManager(http, cache, clock=clock)
    await manager.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    with pytest.raises(TokenValidationError):
        await manager.get_key(JWKS_URI, kid="unknown-1", alg="RS256")
    calls = len(cache.calls)
    for i in range(20):
        with pytest.raises(TokenValidationError):
            await manager.get_key(JWKS_URI, kid=f"unknown-{i + 2}", alg="RS256")
    assert len(cache.calls) == calls
    assert op.jwks_fetches == 2
    await http.client.aclose()
