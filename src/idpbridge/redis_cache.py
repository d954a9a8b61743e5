"""A Redis-backed :class:`~idpbridge.cache.Cache`, shared by every worker (extra ``idpbridge[redis]``).

Discovery documents, key sets, refetch cooldown markers and replay markers then live once per
deployment instead of once per process::

    from idpbridge.redis_cache import RedisCache

    cache = RedisCache.from_url("redis://127.0.0.1:6379/0")
    okta = idpbridge.connect("okta", ..., cache=cache)

``add`` is atomic (``SET key value NX PX ttl``), so it works as a cross-worker lock or replay
guard. Values are opaque bytes and never secrets.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, PluginError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisCache"]

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
    if not (isinstance(ttl, int | float) and math.isfinite(ttl) and ttl > 0):
        raise ValueError("ttl must be a positive number of seconds")
    return max(1, math.ceil(ttl * 1000))


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
