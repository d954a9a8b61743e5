"""Replay markers: single use that no cache traffic can evict, and that fails closed when full.

Before, ``consume_continuation`` wrote its "used" marker into the connector's LRU cache (shared
with discovery/JWKS, 10,000 entries): 10,001 other entries evicted it and the continuation could
be used again. Markers now live in a :class:`~idpbridge.replay.ReplayStore`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import idpbridge
from idpbridge import ContinuationKeys, FlowError, Method
from idpbridge.connector import Connector
from idpbridge.redis_cache import RedisCache, RedisReplayStore
from idpbridge.registry import Registry
from idpbridge.replay import MemoryReplayStore, ReplayStore, ReplayStoreError
from tests.peers._proc import free_port
from tests.support.clock import FixedClock


def _demo(registry: Registry, demo_fields: dict[str, Any], **kwargs: Any) -> Connector[Any]:
    kwargs.setdefault("continuation_keys", ContinuationKeys.generate())
    return idpbridge.connect("demo", registry=registry, **kwargs, **demo_fields)


async def _reused(conn: Connector[Any], cont: Any) -> str:
    with pytest.raises(FlowError) as caught:
        await conn.consume_continuation(cont)
    return caught.value.code


def _fresh(conn: Connector[Any]) -> Any:
    token, _ = conn.seal(Method.OIDC, {})
    return conn.continuations.open(token)


# -- MemoryReplayStore ---------------------------------------------------------------------------


def test_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(MemoryReplayStore(), ReplayStore)


async def test_claim_once_until_expiry() -> None:
    clock = FixedClock()
    store = MemoryReplayStore(clock=clock)
    assert await store.claim("a", 10)
    assert not await store.claim("a", 10)
    clock.advance(9.9)
    assert not await store.claim("a", 10)
    clock.advance(0.2)
    assert await store.claim("a", 10)  # expired: the continuation itself has expired by then


async def test_concurrent_claims_yield_one_winner() -> None:
    store = MemoryReplayStore()
    results = await asyncio.gather(*(store.claim("jti", 60) for _ in range(200)))
    assert results.count(True) == 1


async def test_expired_markers_are_purged_live_ones_never() -> None:
    clock = FixedClock()
    store = MemoryReplayStore(max_entries=100, clock=clock)
    for i in range(99):
        assert await store.claim(f"old{i}", 5)
    assert await store.claim("live", 60)
    with pytest.raises(ReplayStoreError):  # full of live markers...
        await store.claim("one-too-many", 60)
    clock.advance(6)  # ...until the old ones expire: they make room, "live" stays
    for i in range(99):
        assert await store.claim(f"new{i}", 60)
    assert not await store.claim("live", 60)
    assert len(store) <= 100


async def test_a_full_store_fails_closed() -> None:
    clock = FixedClock()
    store = MemoryReplayStore(max_entries=3, clock=clock)
    for key in "abc":
        assert await store.claim(key, 60)
    with pytest.raises(ReplayStoreError) as caught:
        await store.claim("d", 60)
    assert caught.value.code == "flow.replay_store_full"
    assert isinstance(caught.value, FlowError)
    for key in "abc":  # nothing was forgotten to make room
        assert not await store.claim(key, 60)
    clock.advance(61)
    assert await store.claim("d", 60)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
async def test_bad_ttl(bad: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await MemoryReplayStore().claim("k", bad)


# -- the connector ---------------------------------------------------------------------------------


async def test_junk_cache_traffic_does_not_evict_a_marker(
    registry: Registry, demo_fields: dict[str, Any]
) -> None:
    """The issue's reproduction: 10,001 cache entries used to push the marker out of the LRU."""
    conn = _demo(registry, demo_fields)
    cont = _fresh(conn)
    await conn.consume_continuation(cont)
    for i in range(10_001):
        await conn.cache.set(f"junk:{i}", b"x", 60)
    assert await _reused(conn, cont) == "flow.reused"


async def test_junk_continuations_do_not_evict_a_marker(
    registry: Registry, demo_fields: dict[str, Any]
) -> None:
    conn = _demo(registry, demo_fields)
    cont = _fresh(conn)
    await conn.consume_continuation(cont)
    for _ in range(10_001):
        await conn.consume_continuation(_fresh(conn))
    assert await _reused(conn, cont) == "flow.reused"


async def test_markers_are_not_in_the_cache(registry: Registry, demo_fields: dict[str, Any]) -> None:
    store = MemoryReplayStore()
    conn = _demo(registry, demo_fields, replay_store=store)
    await conn.consume_continuation(_fresh(conn))
    assert len(conn.cache) == 0  # type: ignore[arg-type]
    assert len(store) == 1


async def test_instances_of_one_process_share_the_default_store(
    registry: Registry, demo_fields: dict[str, Any]
) -> None:
    """Two connector objects with the same name and keys are two "workers" in one process."""
    keys = ContinuationKeys.generate()
    a = _demo(registry, demo_fields, continuation_keys=keys)
    b = _demo(registry, demo_fields, continuation_keys=keys)
    token, _ = a.seal(Method.OIDC, {})
    await a.consume_continuation(a.continuations.open(token))
    assert await _reused(b, b.continuations.open(token)) == "flow.reused"


async def test_a_replay_store_error_refuses_the_step(registry: Registry, demo_fields: dict[str, Any]) -> None:
    class Broken:
        async def claim(self, key: str, ttl: float) -> bool:
            raise ConnectionError("store down")

    conn = _demo(registry, demo_fields, replay_store=Broken())
    with pytest.raises(ReplayStoreError) as caught:
        await conn.consume_continuation(_fresh(conn))
    assert caught.value.code == "flow.replay_store_unavailable"
    assert caught.value.connector == "demo"


# -- shared store required when keys are shared -----------------------------------------------------


@pytest.fixture
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from idpbridge import replay

    monkeypatch.setattr(replay, "_warned_no_shared_store", False)


async def test_configured_keys_without_a_shared_store_fail_check(
    registry: Registry, demo_fields: dict[str, Any], fresh_warning: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="idpbridge"):
        conns = [
            _demo(registry, demo_fields, continuation_keys=[ContinuationKeys.new_key()]) for _ in range(3)
        ]
    warnings = [r for r in caplog.records if "replay" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not per connector
    assert warnings[0].name == "idpbridge"
    assert "store" in warnings[0].getMessage()
    assert "redis://" in warnings[0].getMessage()
    report = await conns[0].check()
    assert not report.ok
    [probe] = [r for r in report.results if r.name == "replay_store"]
    assert not probe.ok
    assert "[settings] store" in probe.detail
    assert "replay_store=" in probe.detail


async def test_generated_keys_need_no_shared_store(
    registry: Registry, demo_fields: dict[str, Any], fresh_warning: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys made by this process cannot be held by another one: flows stay on this worker."""
    with caplog.at_level(logging.WARNING, logger="idpbridge"):
        conn = _demo(registry, demo_fields)
    assert not [r for r in caplog.records if "replay" in r.getMessage()]
    report = await conn.check()
    assert report.ok
    assert [r.name for r in report.results] == ["configuration"]


async def test_an_explicit_in_memory_store_is_a_choice(
    registry: Registry, demo_fields: dict[str, Any], fresh_warning: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="idpbridge"):
        conn = _demo(
            registry,
            demo_fields,
            continuation_keys=[ContinuationKeys.new_key()],
            replay_store=MemoryReplayStore(),
        )
    assert not [r for r in caplog.records if "replay" in r.getMessage()]
    assert (await conn.check()).ok


# -- Redis -------------------------------------------------------------------------------------------


@pytest.mark.peer("redis")
async def test_redis_replay_store(redis_cache: RedisCache) -> None:
    store = redis_cache.replay_store()
    assert isinstance(store, ReplayStore)
    assert await store.claim("k", 30)
    assert not await store.claim("k", 30)
    results = await asyncio.gather(*(store.claim("race", 30) for _ in range(50)))
    assert results.count(True) == 1
    # apart from the cache: the same key in the cache is another entry, and deleting it is harmless
    assert await redis_cache.get("k") is None
    await redis_cache.set("k", b"x", 30)
    await redis_cache.delete("k")
    assert not await store.claim("k", 30)


@pytest.mark.peer("redis")
async def test_redis_markers_expire(redis_cache: RedisCache) -> None:
    store = redis_cache.replay_store()
    assert await store.claim("short", 0.05)
    await asyncio.sleep(0.2)
    assert await store.claim("short", 30)


@pytest.mark.peer("redis")
async def test_a_redis_cache_brings_its_replay_store(
    registry: Registry, demo_fields: dict[str, Any], redis_cache: RedisCache
) -> None:
    """``cache=RedisCache`` alone (as before) still shares single use between workers."""
    keys = ContinuationKeys([ContinuationKeys.new_key()])
    a = _demo(registry, demo_fields, continuation_keys=keys, cache=redis_cache)
    b = _demo(registry, demo_fields, continuation_keys=keys, cache=redis_cache, replay_store=None)
    assert isinstance(a.replay_store, RedisReplayStore)
    token, _ = a.seal(Method.OIDC, {})
    await a.consume_continuation(a.continuations.open(token))
    assert await _reused(b, b.continuations.open(token)) == "flow.reused"
    assert (await a.check()).ok


async def test_an_unreachable_redis_refuses_the_step(registry: Registry, demo_fields: dict[str, Any]) -> None:
    cache = RedisCache.from_url(f"redis://:hunter2-pw@127.0.0.1:{free_port()}/0")
    async with cache:
        conn = _demo(registry, demo_fields, cache=cache)
        with pytest.raises(ReplayStoreError) as caught:
            await conn.consume_continuation(_fresh(conn))
        assert caught.value.code == "flow.replay_store_unavailable"
        assert caught.value.retryable
        assert "hunter2" not in str(caught.value) + repr(caught.value)
        report = await conn.check()
        assert not report.ok
        assert "hunter2" not in str(report.as_dict())
