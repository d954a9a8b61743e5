"""A cold start fetches discovery and the key set once: for 1,000 concurrent calls in one process,
and for four worker processes sharing Redis (one fetch per cache, not per process).

Requests are counted at a loopback IdP (a correctness property, not a timing); the timings are in
bench/bench_coldstart.py.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from . import _coldstart
from ._coldstart import DISCOVERY, JWKS, CountingIdP


async def test_a_thousand_concurrent_cold_calls_fetch_each_document_once() -> None:
    with CountingIdP() as idp:
        results = await _coldstart.cold_calls(idp.issuer, idp.token(), 1000, redis_url=None, prefix="")
    assert Counter(results) == {"ok": 1000}
    assert idp.counts == {DISCOVERY: 1, JWKS: 1}


@pytest.mark.peer("redis")
def test_four_worker_processes_sharing_redis_fetch_each_document_once(redis_url: str) -> None:
    with CountingIdP() as idp:
        results = _coldstart.run_workers(idp, 4, 250, redis_url, f"cold-{uuid.uuid4().hex}:")
    assert results == [Counter({"ok": 250})] * 4
    assert idp.counts == {DISCOVERY: 1, JWKS: 1}
