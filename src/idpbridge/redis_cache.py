"""Redis-backed cache and replay store, shared by every worker (extra ``idpbridge[redis]``).

Discovery documents, key sets and refetch cooldown markers (:class:`RedisCache`), and "flow step
used" markers (:class:`RedisReplayStore`) then live once per deployment instead of once per
process::

    from idpbridge.redis_cache import RedisCache

    cache = RedisCache.from_url("redis://127.0.0.1:6379/0")
    okta = idpbridge.connect("okta", ..., cache=cache, replay_store=cache.replay_store())

In a connectors file, ``[settings] store = "redis://…"`` does the same. ``add`` and ``claim`` are
atomic (``SET key value NX PX ttl``). Values are opaque bytes and never secrets. Run the Redis
that holds replay markers with ``maxmemory-policy noeviction``: an evicting policy could drop a
live marker (with ``noeviction`` a full Redis refuses the write, and idpbridge refuses the step).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, PluginError
from .replay import check_ttl

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisCache", "RedisReplayStore"]

_INSTALL_HINT = 'pip install "idpbridge[redis]"'


def _import_redis() -> Any:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise PluginError(
            "RedisCache needs the redis package", code="plugin.unavailable", install_hint=_INSTALL_HINT
        ) from exc
    return redis_asyncio


def _ttl_ms(ttl: float) -> int:
    return max(1, math.ceil(check_ttl(ttl) * 1000))


class RedisCache:
    """:class:`~idpbridge.cache.Cache` on ``redis.asyncio``.

    Pass a ``redis.asyncio.Redis`` client you own (it is then never closed here) or use
    :meth:`from_url`. ``prefix`` namespaces every key so one Redis can serve several apps.
    """

    def __init__(self, client: Redis, *, prefix: str = "idpbridge:", owns_client: bool = False) -> None:
        self._redis = client
        self._prefix = prefix
        self._owns = owns_client

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "idpbridge:", **options: Any) -> RedisCache:
        """Connect lazily to ``url`` (``redis://``, ``rediss://`` or ``unix://``)."""
        if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError("redis URL must use redis://, rediss:// or unix://", field="cache")
        client = _import_redis().Redis.from_url(url, **options)
        return cls(client, prefix=prefix, owns_client=True)

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._key(key))
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._redis.set(self._key(key), value, px=_ttl_ms(ttl))

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        return bool(await self._redis.set(self._key(key), value, px=_ttl_ms(ttl), nx=True))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    def replay_store(self) -> RedisReplayStore:
        """A :class:`RedisReplayStore` on the same client, under ``<prefix>replay:``."""
        return RedisReplayStore(self._redis, prefix=self._prefix + "replay:")

    async def aclose(self) -> None:
        """Close the connection pool if this cache created it."""
        if self._owns:
            await self._redis.aclose()

    async def __aenter__(self) -> RedisCache:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"RedisCache(prefix={self._prefix!r})"


class RedisReplayStore:
    """:class:`~idpbridge.replay.ReplayStore` on ``redis.asyncio``: ``SET key 1 NX PX ttl``.

    Shared by every worker using the same Redis and prefix. Errors propagate, so a step is
    refused (never accepted) when Redis cannot record it. The client is never closed here
    (:meth:`RedisCache.replay_store` shares the cache's client).
    """

    def __init__(self, client: Redis, *, prefix: str = "idpbridge:replay:") -> None:
        self._redis = client
        self._prefix = prefix

    async def claim(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; ``False`` if another worker already did."""
        return bool(await self._redis.set(self._prefix + key, b"1", px=_ttl_ms(ttl), nx=True))

    def __repr__(self) -> str:
        return f"RedisReplayStore(prefix={self._prefix!r})"
