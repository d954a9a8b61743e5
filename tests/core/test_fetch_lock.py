"""Single flight across workers for discovery/JWKS: a fetch lock in the shared cache backend.

Each :class:`CachedFetcher` below stands for one worker (its own in-process single flight and
local copy); they share one cache backend, as workers share Redis. The real multi-process
proof is tests/core/test_replay_workers.py.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from idpbridge.cache import MemoryCache
from idpbridge.oidc._cached import CachedFetcher
from tests.oidc.unit.conftest import make_http

URL = "https://op.example.test/jwks"


class Upstream:
    def __init__(self) -> None:
        self.fetches = 0
        self.fail_next = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        await self.gate.wait()
        if self.fail_next:
            self.fail_next -= 1
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": []}, headers={"cache-control": "max-age=300"})


def _worker(upstream: Upstream, cache: MemoryCache, lock_ttl: float = 5.0) -> CachedFetcher:
    return CachedFetcher(
        make_http(upstream),
        cache,
        namespace="idpbridge:test:",
        clock=lambda: 1_000.0,
        min_ttl=60,
        max_ttl=3600,
        default_ttl=300,
        lock_ttl=lock_ttl,
    )


async def test_cold_workers_fetch_once() -> None:
    upstream, cache = Upstream(), MemoryCache()
    upstream.gate.clear()  # the first fetch hangs until every worker has asked
    workers = [_worker(upstream, cache) for _ in range(8)]
    calls = [asyncio.ensure_future(w.get(URL)) for w in workers for _ in range(5)]
    await asyncio.sleep(0.05)
    upstream.gate.set()
    entries = await asyncio.gather(*calls)
    assert upstream.fetches == 1
    assert {json.dumps(e.doc) for e in entries} == {'{"keys": []}'}
    assert await cache.get("idpbridge:test:fetch-lock:" + URL) is None  # released


async def test_a_dead_lock_holder_does_not_block_for_ever() -> None:
    """A worker took the lock and died: the lock expires and a waiter fetches."""
    upstream, cache = Upstream(), MemoryCache()
    await cache.add("idpbridge:test:fetch-lock:" + URL, b"1", 0.2)  # the dead worker's lock
    entry = await _worker(upstream, cache, lock_ttl=0.2).get(URL)
    assert entry.doc == {"keys": []}
    assert upstream.fetches == 1


async def test_a_failed_fetch_hands_over_to_a_waiter() -> None:
    upstream, cache = Upstream(), MemoryCache()
    upstream.fail_next = 1
    upstream.gate.clear()
    first, second = _worker(upstream, cache), _worker(upstream, cache)
    a = asyncio.ensure_future(first.get(URL))
    await asyncio.sleep(0.02)  # first holds the lock, its fetch hangs
    b = asyncio.ensure_future(second.get(URL))
    await asyncio.sleep(0.02)
    upstream.gate.set()  # first's fetch fails (503); the lock clears; second fetches
    results = await asyncio.gather(a, b, return_exceptions=True)
    assert isinstance(results[0], Exception)
    assert not isinstance(results[1], BaseException)
    assert results[1].doc == {"keys": []}
    assert upstream.fetches == 2


async def test_a_broken_backend_still_fetches() -> None:
    class Broken(MemoryCache):
        async def add(self, key: str, value: bytes, ttl: float) -> bool:
            raise ConnectionError("down")

    upstream = Upstream()
    assert (await _worker(upstream, Broken()).get(URL)).doc == {"keys": []}
    assert upstream.fetches == 1
