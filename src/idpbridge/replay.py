"""Replay stores: where "this flow step was used" markers live until the step expires.

A multi-step flow (an OIDC callback, a code answer) may resume only once. The connector claims
the continuation's id in a :class:`ReplayStore` before acting on it; a second claim, on any
worker sharing the store, is refused. Unlike a cache, a replay store never forgets a live
marker: :class:`MemoryReplayStore` drops only expired ones and, when full, refuses new claims
(:class:`ReplayStoreError`, a :class:`~idpbridge.FlowError`) instead of evicting.

For several worker processes, use one shared store, e.g.
:class:`idpbridge.redis_cache.RedisReplayStore` (``[settings] store = "redis://…"`` in a
connectors file).
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from .errors import FlowError

__all__ = ["MemoryReplayStore", "ReplayStore", "ReplayStoreError", "check_ttl", "default_replay_store"]


@runtime_checkable
class ReplayStore(Protocol):
    """What idpbridge needs to keep flow steps single-use."""

    async def claim(self, key: str, ttl: float) -> bool:
        """Atomically record ``key`` for ``ttl`` seconds; ``False`` if it is already recorded.

        Must never forget a key before its ``ttl`` has passed. Raise (rather than return
        ``True``) when that cannot be guaranteed.
        """
        ...


class ReplayStoreError(FlowError):
    """The replay store could not record a flow step, so the step is refused (fail closed).

    Codes: ``flow.replay_store_full`` (the in-memory store holds its maximum of live markers)
    and ``flow.replay_store_unavailable`` (a shared store failed or is unreachable).
    """

    default_code = "flow.replay_store_unavailable"
    default_retryable = True


def check_ttl(ttl: float) -> float:
    """``ttl`` as a positive, finite number of seconds, else ``ValueError``."""
    if isinstance(ttl, bool) or not (isinstance(ttl, int | float) and math.isfinite(ttl) and ttl > 0):
        raise ValueError("ttl must be a positive number of seconds")
    return float(ttl)


class MemoryReplayStore:
    """An in-process :class:`ReplayStore`: correct for ONE worker process only.

    Markers are dropped only once expired. When ``max_entries`` live markers are held (100,000
    by default: about 25 MB, or 160 flow steps a second for 10 minutes), a new claim raises
    :class:`ReplayStoreError` (``flow.replay_store_full``) — a flood of flow steps can deny new
    ones, never make a used one usable again. Safe to share between connectors and threads of
    one process.
    """

    def __init__(self, max_entries: int = 100_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError("max_entries must be a positive integer")
        self._max = max_entries
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    async def claim(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; ``False`` if it is recorded and not expired."""
        expires = self._clock() + check_ttl(ttl)
        with self._lock:
            now = self._clock()
            current = self._expiry.get(key)
            if current is not None and now < current:
                return False
            if current is None and len(self._expiry) >= self._max:
                self._purge(now)
                if len(self._expiry) >= self._max:
                    raise ReplayStoreError(
                        "too many flow steps in progress; refusing this one (replay store full)",
                        code="flow.replay_store_full",
                    )
            self._expiry[key] = expires
            heapq.heappush(self._heap, (expires, key))
            if len(self._heap) > 2 * self._max:  # stale heap entries of re-claimed keys
                self._heap = [(e, k) for k, e in self._expiry.items()]
                heapq.heapify(self._heap)
            return True

    def _purge(self, now: float) -> None:
        heap, expiry = self._heap, self._expiry
        while heap and heap[0][0] <= now:
            when, key = heapq.heappop(heap)
            if expiry.get(key) == when:
                del expiry[key]

    def __len__(self) -> int:
        return len(self._expiry)

    def __repr__(self) -> str:
        return f"MemoryReplayStore(<{len(self._expiry)} markers>, max_entries={self._max})"


_default: MemoryReplayStore | None = None
_default_lock = threading.Lock()


def default_replay_store() -> MemoryReplayStore:
    """The process-wide in-memory store every connector without a ``replay_store`` shares."""
    global _default  # noqa: PLW0603 - one store per process, so connector objects share markers
    with _default_lock:
        if _default is None:
            _default = MemoryReplayStore()
        return _default
