"""RedisCache on a real redis-server, and discovery/JWKS caches shared through it."""

from __future__ import annotations

import asyncio

import pytest

from idpbridge.cache import Cache
from idpbridge.errors import ConfigurationError, TokenValidationError
from idpbridge.oidc import Discovery, JWKSManager
from idpbridge.redis_cache import RedisCache

from .conftest import ISSUER, JWKS_URI, Clock, FakeOP, Keys, make_http, public_jwk

pytestmark = pytest.mark.peer("redis")


async def test_cache_protocol(redis_cache: RedisCache) -> None:
    assert isinstance(redis_cache, Cache)
    assert await redis_cache.get("k") is None
    await redis_cache.set("k", b"\x00v1", 30)
    assert await redis_cache.get("k") == b"\x00v1"
    assert await redis_cache.add("k", b"v2", 30) is False
    assert await redis_cache.get("k") == b"\x00v1"
    await redis_cache.delete("k")
    assert await redis_cache.get("k") is None
    assert await redis_cache.add("k", b"v3", 30) is True
    assert await redis_cache.get("k") == b"v3"


async def test_ttl_expires(redis_cache: RedisCache) -> None:
    await redis_cache.set("short", b"x", 0.05)
    await asyncio.sleep(0.2)
    assert await redis_cache.get("short") is None


async def test_add_is_atomic(redis_cache: RedisCache) -> None:
    results = await asyncio.gather(*(redis_cache.add("lock", str(i).encode(), 30) for i in range(50)))
    assert results.count(True) == 1


async def test_prefix_isolates(redis_url: str) -> None:
    a = RedisCache.from_url(redis_url, prefix="iso-a:")
    b = RedisCache.from_url(redis_url, prefix="iso-b:")
    async with a, b:
        await a.set("k", b"a", 30)
        assert await b.get("k") is None


def test_bad_url() -> None:
    with pytest.raises(ConfigurationError):
        RedisCache.from_url("http://127.0.0.1:6379")


def test_repr_has_no_url_or_password() -> None:
    cache = RedisCache.from_url("redis://:hunter2-secret@127.0.0.1:1/0")
    assert "hunter2" not in repr(cache)


async def test_jwks_shared_between_two_managers(redis_cache: RedisCache, op: FakeOP, keys: Keys) -> None:
    clock = Clock()
    http_a, http_b = make_http(op), make_http(op)
    worker_a = JWKSManager(http_a, redis_cache, clock=clock)
    worker_b = JWKSManager(http_b, redis_cache, clock=clock)
    await worker_a.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    await worker_b.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    assert op.jwks_fetches == 1  # worker B read worker A's copy from Redis

    # Rotation: A refetches on the unknown kid; B finds the new set in Redis instead of fetching.
    op.jwks = {"keys": [public_jwk(keys.rsa), public_jwk(keys.rsa2)]}
    clock.advance(1)
    assert (await worker_a.get_key(JWKS_URI, kid="rsa2", alg="RS256")).kid == "rsa2"
    assert op.jwks_fetches == 2
    assert (await worker_b.get_key(JWKS_URI, kid="rsa2", alg="RS256")).kid == "rsa2"
    assert op.jwks_fetches == 2
    await http_a.client.aclose()
    await http_b.client.aclose()


async def test_refetch_cooldown_is_shared(redis_cache: RedisCache, op: FakeOP) -> None:
    clock = Clock()
    http = make_http(op)
    managers = [JWKSManager(http, redis_cache, clock=clock) for _ in range(5)]
    for m in managers:
        await m.get_key(JWKS_URI, kid="rsa1", alg="RS256")
    assert op.jwks_fetches == 1
    clock.advance(1)
    # five workers see the same unknown kid: only one of them refetches inside the cooldown
    for m in managers:
        with pytest.raises(TokenValidationError, match="no usable key"):
            await m.get_key(JWKS_URI, kid="unknown", alg="RS256")
    assert op.jwks_fetches == 2
    await http.client.aclose()


async def test_discovery_shared_between_two_connectors(redis_cache: RedisCache, op: FakeOP) -> None:
    clock = Clock()
    http_a, http_b = make_http(op), make_http(op)
    a = Discovery(http_a, redis_cache, clock=clock)
    b = Discovery(http_b, redis_cache, clock=clock)
    await a.get(ISSUER)
    results = await asyncio.gather(*(b.get(ISSUER) for _ in range(10)))
    assert {r.issuer for r in results} == {ISSUER}
    assert op.count() == 1  # the second connector was served from Redis
    clock.advance(3601)  # both copies are stale now: one refetch refreshes Redis for both
    await b.get(ISSUER)
    await a.get(ISSUER)
    assert op.count() == 2
    await http_a.client.aclose()
    await http_b.client.aclose()
