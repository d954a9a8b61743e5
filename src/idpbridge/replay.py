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
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from .errors import FlowError

__all__ = [
    "SHARED_STORE_FIX",
    "MemoryReplayStore",
    "ReplayStore",
    "ReplayStoreError",
    "check_ttl",
    "claim_step",
    "default_replay_store",
    "probe_store",
    "warn_no_shared_store",
]

log = logging.getLogger("idpbridge")

#: What to do when continuation keys are shared but replay markers are not (warning, check()).
SHARED_STORE_FIX = (
    "continuation keys are configured, so a flow may resume on any worker, but replay markers "
    "are kept in this process only: a callback or code replayed on another worker is accepted "
    'again. Set [settings] store = "redis://…" in the connectors file, or pass replay_store= '
    "(RedisCache.from_url(url).replay_store()); if one process serves every flow, say so with "
    'store = "memory" or replay_store=MemoryReplayStore()'
)


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


_warned_no_shared_store = False


def warn_no_shared_store() -> None:
    """Log :data:`SHARED_STORE_FIX` as a warning, once per process."""
    global _warned_no_shared_store  # noqa: PLW0603 - one warning per process, by design
    with _default_lock:
        if _warned_no_shared_store:
            return
        _warned_no_shared_store = True
    log.warning("idpbridge: %s.", SHARED_STORE_FIX)


async def claim_step(store: ReplayStore, key: str, ttl: float, *, connector: str) -> bool:
    """:meth:`ReplayStore.claim`, failing closed: any store failure is a :class:`ReplayStoreError`."""
    try:
        return await store.claim(key, ttl)
    except ReplayStoreError as exc:
        exc.connector = exc.connector or connector
        raise
    except Exception as exc:  # the store's own text may hold its URL: only the type is shown
        log.warning("idpbridge: the replay store failed (%s); refusing the flow step", type(exc).__name__)
        raise ReplayStoreError(
            "could not record this flow step as used; refusing it",
            code="flow.replay_store_unavailable",
            connector=connector,
        ) from None


async def probe_store(
    store: ReplayStore, connector: str, *, needs_shared: bool
) -> tuple[bool, str, float] | None:
    """``(ok, detail, ms)`` of the ``replay_store`` check, or ``None`` when there is nothing to say.

    Fails when keys are shared but the store is not (``needs_shared``); claims a throwaway key
    in a shared store to show it answers; says nothing about an in-memory store chosen on purpose.
    """
    if needs_shared:
        return False, SHARED_STORE_FIX, 0.0
    if isinstance(store, MemoryReplayStore):
        return None
    started = time.perf_counter()
    try:
        await store.claim(f"probe:{connector}:{secrets.token_hex(8)}", 1.0)
    except Exception as exc:  # never the error text (it may hold the URL)
        ok, detail = False, f"the shared replay store failed: {type(exc).__name__}"
    else:
        ok, detail = True, f"shared replay store answered ({type(store).__name__})"
    return ok, detail, (time.perf_counter() - started) * 1000
