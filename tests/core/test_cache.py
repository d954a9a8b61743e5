"""The in-memory cache backend: expiry, LRU bound, atomic add, the Cache protocol."""

from __future__ import annotations

import asyncio

from idpbridge.cache import Cache, MemoryCache

from .conftest import FakeClock


def test_memory_cache_satisfies_the_protocol() -> None:
    assert isinstance(MemoryCache(), Cache)


async def test_get_set_delete_and_expiry(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    assert await cache.get("k") is None
    await cache.set("k", b"v", ttl=10)
    assert await cache.get("k") == b"v"
    clock.advance(9.999)
    assert await cache.get("k") == b"v"
    clock.advance(0.001)
    assert await cache.get("k") is None
    assert len(cache) == 0  # expired entries are dropped when seen
    await cache.set("k", b"v", ttl=10)
    await cache.delete("k")
    await cache.delete("absent")
    assert await cache.get("k") is None


async def test_bounded_lru(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=3, clock=clock)
    for key in "abc":
        await cache.set(key, key.encode(), ttl=60)
    assert await cache.get("a") == b"a"  # a is now the most recently used
    await cache.set("d", b"d", ttl=60)
    assert len(cache) == 3
    assert await cache.get("b") is None  # the least recently used went
    assert {k: await cache.get(k) for k in "acd"} == {"a": b"a", "c": b"c", "d": b"d"}


async def test_add_only_when_absent(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    assert await cache.add("nonce:1", b"1", ttl=5)
    assert not await cache.add("nonce:1", b"2", ttl=5)
    assert await cache.get("nonce:1") == b"1"
    clock.advance(5)
    assert await cache.add("nonce:1", b"3", ttl=5)  # expired: free again


async def test_add_is_atomic_under_concurrency() -> None:
    cache = MemoryCache()
    results = await asyncio.gather(*(cache.add("jti", b"x", ttl=60) for _ in range(100)))
    assert results.count(True) == 1
