"""Cached, single-flight fetching of JSON documents (discovery metadata, key sets).

Shared by :mod:`.discovery` and :mod:`.jwks`. A document is fetched once per URL no matter how
many callers ask at the same time — in this process (:class:`SingleFlight`) and across every
worker sharing the cache backend (a short lock taken with the backend's atomic ``add``; the other
workers poll the backend for the copy, and fetch themselves if the lock holder dies or the lock
does not clear in time) — stored in the :class:`~idpbridge.cache.Cache` backend as the
response's JSON bytes behind a one-line header with its freshness, kept fresh for the
``Cache-Control: max-age`` the server sent (bounded by a floor and a ceiling), and served stale
when a refetch fails (stale-if-error) until a longer stale window ends.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .. import _otel
from .._deadline import detached
from ..cache import Cache
from ..errors import ProviderError
from ..http import HttpClient, parse_json_object, redact_url

__all__ = ["CachedFetcher", "Entry", "SingleFlight", "ttl_from_headers"]

log = logging.getLogger("idpbridge.oidc.cache")

T = TypeVar("T")
_MAGIC = b"idpb1 "


class SingleFlight(Generic[T]):
    """Coalesce concurrent calls with the same key into one running task.

    A caller that is cancelled does not cancel the shared task for the others.
    """

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[T]] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    def pending(self, key: str) -> bool:
        """Whether a call for ``key`` is running."""
        return key in self._tasks

    async def run(self, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            # shared by callers with different deadlines: bounded by timeouts.total, not by the
            # first caller's authenticate() deadline (each waiter is still bounded by its own)
            task = detached(lambda: asyncio.ensure_future(fn()))
            self._tasks[key] = task
            task.add_done_callback(lambda t: self._done(key, t))
        return await asyncio.shield(task)

    def _done(self, key: str, task: asyncio.Task[T]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # mark retrieved even when every waiter went away


@dataclass(frozen=True, slots=True)
class Entry:
    """One cached document."""

    doc: dict[str, Any]
    fresh_until: float
    fetched_at: float
    stale: bool = False


def ttl_from_headers(headers: Mapping[str, str], *, default: float, floor: float, ceiling: float) -> float:
    """Seconds a response may be reused: ``max-age`` minus ``Age``, clamped to [floor, ceiling].

    ``no-store``/``no-cache`` give the floor (we still need a short cache against stampedes);
    no usable directive gives ``default`` (also clamped).
    """
    ttl = default
    value = headers.get("cache-control") or ""
    for part in value.lower().split(","):
        directive = part.strip()
        if directive in ("no-store", "no-cache"):
            ttl = floor
            break
        if directive.startswith("max-age="):
            digits = directive[8:].strip().strip('"')
            if digits.isdigit():
                ttl = float(int(digits[:9]))
                age = (headers.get("age") or "").strip()
                if age.isdigit():
                    ttl -= int(age[:9])
    return float(min(max(ttl, floor), ceiling))


class CachedFetcher:
    """Fetch JSON documents through a cache backend with single-flight and stale-if-error."""

    def __init__(
        self,
        http: HttpClient,
        cache: Cache,
        *,
        namespace: str,
        clock: Callable[[], float],
        min_ttl: float,
        max_ttl: float,
        default_ttl: float,
        stale_ttl: float = 86400.0,
        error_backoff: float = 30.0,
        validate: Callable[[dict[str, Any]], None] | None = None,
        lock_ttl: float | None = None,
    ) -> None:
        if not (0 <= min_ttl <= max_ttl) or not math.isfinite(max_ttl):
            raise ValueError("need 0 <= min_ttl <= max_ttl < inf")
        self.http = http
        self.cache = cache
        self.namespace = namespace
        #: The cache's name in metrics: ``"discovery"`` for ``"idpbridge:oidc:discovery:"``.
        self.name = namespace.rstrip(":").rpartition(":")[2]
        self.clock = clock
        self.min_ttl = min_ttl
        self.max_ttl = max_ttl
        self.default_ttl = default_ttl
        self.stale_ttl = stale_ttl
        self.error_backoff = error_backoff
        self._validate = validate
        #: How long a worker's fetch lock lives (covers a whole fetch with retries); waiters poll
        #: at most twice this long before fetching themselves.
        self.lock_ttl = lock_ttl if lock_ttl is not None else http.policy.timeouts.total + 1.0
        self._local: dict[str, Entry] = {}
        self._flight: SingleFlight[Entry] = SingleFlight()

    def key(self, url: str) -> str:
        return f"{self.namespace}{url}"

    def local(self, url: str) -> Entry | None:
        """The in-process copy for ``url`` (fresh or not), without any I/O."""
        return self._local.get(url)

    def fresh(self, url: str) -> Entry | None:
        """The in-process copy for ``url`` if it is fresh (a cache hit, without I/O), else ``None``."""
        entry = self._local.get(url)
        if entry is not None and self.clock() < entry.fresh_until:
            if _otel.STATE is not None:
                _otel.cache_lookup(self.name, "hit")
            return entry
        return None

    async def get(self, url: str) -> Entry:
        """A fresh document for ``url``: in-process copy, else the backend, else one fetch."""
        entry = self.fresh(url)
        if entry is not None:
            return entry
        return await self._flight.run(url, lambda: self._load(url))

    def refreshing(self, url: str) -> bool:
        """Whether a :meth:`refresh` of ``url`` is running."""
        return self._flight.pending(f"refresh {url}")

    async def refresh(self, url: str, *, newer_than: float, lock: tuple[str, float] | None = None) -> Entry:
        """Reload ``url`` now, unless another worker already stored a copy newer than ``newer_than``.

        With ``lock=(key, ttl)``, only the caller that atomically adds ``key`` to the backend
        fetches; the others get the backend's (or local) copy. Raises ProviderError when no copy
        can be had.
        """
        _otel.cache_lookup(self.name, "refresh")
        return await self._flight.run(f"refresh {url}", lambda: self._refresh(url, newer_than, lock))

    async def _refresh(self, url: str, newer_than: float, lock: tuple[str, float] | None) -> Entry:
        shared = await self._read_backend(url)
        if shared is not None and shared.fetched_at > newer_than:
            self._local[url] = shared
            return shared
        if lock is not None and not await self._try_add(*lock):
            current = shared or self._local.get(url)
            if current is None:
                return await self._fetch(url, fallback=None)
            return current
        return await self._fetch(url, fallback=shared or self._local.get(url))

    async def _load(self, url: str) -> Entry:
        shared = await self._fresh_backend(url)
        if shared is not None:
            _otel.cache_lookup(self.name, "hit")
            return shared
        _otel.cache_lookup(self.name, "miss")
        lock = f"{self.namespace}fetch-lock:{url}"
        if await self._try_add(lock, self.lock_ttl):
            return await self._fetch_locked(url, lock)
        # Another worker is fetching: wait for its copy in the backend. If the lock clears without
        # one (its fetch failed) or expires (it died), take the lock and fetch here.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2 * self.lock_ttl
        delay = 0.01
        while loop.time() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
            shared = await self._fresh_backend(url)
            if shared is not None:
                return shared
            if await self._try_add(lock, self.lock_ttl):
                return await self._fetch_locked(url, lock)
        log.warning("no worker finished fetching %s in time; fetching it here", redact_url(url))
        return await self._fetch(url, fallback=await self._read_backend(url) or self._local.get(url))

    async def _fetch_locked(self, url: str, lock: str) -> Entry:
        try:
            shared = await self._read_backend(url)  # a worker may have stored it since we looked
            if shared is not None and self.clock() < shared.fresh_until:
                self._local[url] = shared
                return shared
            return await self._fetch(url, fallback=shared or self._local.get(url))
        finally:
            await self._release(lock)

    async def _fresh_backend(self, url: str) -> Entry | None:
        shared = await self._read_backend(url)
        if shared is not None and self.clock() < shared.fresh_until:
            self._local[url] = shared
            return shared
        return None

    async def _fetch(self, url: str, *, fallback: Entry | None) -> Entry:
        now = self.clock()
        try:
            resp = await self.http.get(url)
            if not 200 <= resp.status < 300:
                raise ProviderError(
                    f"{redact_url(url)} answered HTTP {resp.status}",
                    status=resp.status,
                    excerpt=resp.excerpt(),
                )
            doc = resp.json()
            if self._validate is not None:
                self._validate(doc)
        except ProviderError as exc:
            if fallback is None or now >= fallback.fetched_at + self.stale_ttl:
                raise
            log.warning("refetch of %s failed (%s); serving the last good copy", redact_url(url), exc.code)
            _otel.cache_lookup(self.name, "stale")
            stale = Entry(
                fallback.doc, now + min(self.error_backoff, self.max_ttl), fallback.fetched_at, True
            )
            self._local[url] = stale
            return stale
        ttl = ttl_from_headers(
            resp.headers, default=self.default_ttl, floor=self.min_ttl, ceiling=self.max_ttl
        )
        entry = Entry(doc, now + ttl, now)
        self._local[url] = entry
        envelope = _MAGIC + f"{entry.fresh_until!r} {entry.fetched_at!r}\n".encode() + resp.body
        await self._write_backend(url, envelope, ttl + self.stale_ttl)
        return entry

    async def _read_backend(self, url: str) -> Entry | None:
        try:
            raw = await self.cache.get(self.key(url))
        except Exception as exc:  # a broken shared cache must not break logins
            log.warning("cache read failed for %s: %s", redact_url(url), type(exc).__name__)
            return None
        if raw is None:
            return None
        try:
            head, body = raw.split(b"\n", 1)
            if not head.startswith(_MAGIC):
                raise ValueError("bad header")
            fresh, fetched = (float(v) for v in head[len(_MAGIC) :].split())
            if not (math.isfinite(fresh) and math.isfinite(fetched)):
                raise ValueError("bad header")
            doc = parse_json_object(body)
            if self._validate is not None:
                self._validate(doc)
        except (ValueError, ProviderError):
            log.warning("ignoring an unreadable cache entry for %s", redact_url(url))
            return None
        return Entry(doc, fresh, fetched)

    async def _write_backend(self, url: str, value: bytes, ttl: float) -> None:
        try:
            await self.cache.set(self.key(url), value, ttl)
        except Exception as exc:
            log.warning("cache write failed for %s: %s", redact_url(url), type(exc).__name__)

    async def _release(self, key: str) -> None:
        try:
            await self.cache.delete(key)
        except Exception as exc:  # it expires on its own
            log.warning("cache delete failed: %s", type(exc).__name__)

    async def _try_add(self, key: str, ttl: float) -> bool:
        try:
            return await self.cache.add(key, b"1", ttl)
        except Exception as exc:
            log.warning("cache add failed: %s", type(exc).__name__)
            return True  # fail open: the local cooldown still bounds the rate
