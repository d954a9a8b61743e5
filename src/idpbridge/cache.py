"""Cache backends for discovery documents, key sets, refetch cooldowns and fetch locks.

A backend stores opaque bytes under string keys with a time to live. The in-memory
:class:`MemoryCache` is the default; :mod:`idpbridge.redis_cache` offers a shared one for
many workers. Values never include secrets. A cache may forget anything at any time (the
memory one is an LRU), so "flow step used" markers do not live here but in a
:class:`~idpbridge.replay.ReplayStore`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["Cache", "MemoryCache"]


@runtime_checkable
class Cache(Protocol):
    """What idpbridge needs from a cache backend."""

    async def get(self, key: str) -> bytes | None:
        """The value under ``key``, or ``None`` if absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds."""
        ...

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Store ``value`` only if ``key`` is absent; return whether it was stored (atomic)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        ...


class MemoryCache:
    """A bounded in-process LRU cache with per-entry expiry."""

    def __init__(self, max_entries: int = 10_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries
        self._clock = clock

    async def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if self._clock() >= expires:
            self._data.pop(key, None)
            return None
        self._data.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._data[key] = (self._clock() + ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)
