"""Redis peer: a throwaway ``redis-server`` on 127.0.0.1 for the shared-cache tests.

No persistence (``--save ''``, ``--appendonly no``), a free loopback port, its own working
directory. Fixtures: ``redis_server`` (session), ``redis_url`` (session) and ``redis_cache``
(a :class:`idpbridge.redis_cache.RedisCache` with a key prefix unique to the test).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._proc import Peer, free_port, port_ready, require_binary, start_peer

if TYPE_CHECKING:
    from idpbridge.redis_cache import RedisCache

_prefixes = itertools.count(1)


@pytest.fixture(scope="session")
def redis_server(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """A running redis-server; fails the session (never skips) if it cannot start."""
    binary = require_binary("redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    cmd = [
        binary,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--protected-mode", "yes",
        "--daemonize", "no",
    ]  # fmt: skip
    peer = start_peer("redis", cmd, log_dir=peer_logs, ready=port_ready(port), port=port, timeout=20)
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: Peer) -> str:
    """``redis://127.0.0.1:<port>/0`` of the session's server."""
    return f"redis://127.0.0.1:{redis_server.port}/0"


@pytest.fixture
async def redis_cache(redis_url: str) -> AsyncIterator[RedisCache]:
    """A RedisCache on the session server, namespaced to this test."""
    from idpbridge.redis_cache import RedisCache

    cache = RedisCache.from_url(redis_url, prefix=f"test{next(_prefixes)}:")
    try:
        yield cache
    finally:
        await cache.aclose()
