"""One worker process of tests/core/test_replay_workers.py: a connector loaded from a shared file.

Run with the ``spawn`` start method, so each worker is a fresh interpreter with its own memory:
the only things the workers share are the configuration file (keys, ``store``) and Redis.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

import idpbridge
from idpbridge import Authenticated, FinishOIDC, IdpBridgeError, RedirectRequired, StartOIDC

REDIRECT_URI = "http://127.0.0.1:8765/callback"
TIMEOUT = 90


def run(index: int, config: str, flows: int, queues: tuple[Any, Any, Any]) -> None:
    """Start ``flows`` logins (cold start), then finish every login any worker started."""
    outbox = queues[2]
    try:
        asyncio.run(_main(index, config, flows, queues))
    except BaseException:  # report, so the parent fails with the reason instead of a timeout
        outbox.put((index, "crash", traceback.format_exc()))


async def _finish(conn: Any, continuation: str, params: dict[str, list[str]]) -> str:
    try:
        outcome = await conn.authenticate(FinishOIDC(params, continuation))
    except IdpBridgeError as exc:
        return exc.code
    assert isinstance(outcome, Authenticated)
    return "accepted:" + outcome.identity.subject


async def _main(index: int, config: str, flows: int, queues: tuple[Any, Any, Any]) -> None:
    barrier, inbox, outbox = queues
    async with idpbridge.load(config) as connectors:
        conn = connectors["op"]
        barrier.wait(TIMEOUT)  # every worker starts cold at the same moment
        started = await asyncio.gather(*(conn.authenticate(StartOIDC(REDIRECT_URI)) for _ in range(flows)))
        assert all(isinstance(s, RedirectRequired) for s in started)
        outbox.put((index, "started", [(s.continuation.get_secret_value(), s.url) for s in started]))

        callbacks: list[tuple[str, dict[str, list[str]]]] = inbox.get(timeout=TIMEOUT)
        barrier.wait(TIMEOUT)  # every worker replays every callback at the same moment
        results = await asyncio.gather(*(_finish(conn, c, p) for c, p in callbacks))
        outbox.put((index, "finished", results))
