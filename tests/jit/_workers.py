"""Worker process for the concurrency tests (imported by ``spawn``-ed children).

Each process opens its own engine and store, waits at a barrier so every process starts at once,
then runs ``tasks`` concurrent ``migrate()`` calls for the same identity.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

from idpbridge import Identity
from idpbridge.jit import Migrator, SQLUserStore


async def _run(
    url: str, ident: dict[str, Any], tasks: int, barrier: Any
) -> list[tuple[str, str | None, bool]]:
    store = await SQLUserStore.open(url, pool_size=tasks, max_overflow=0)
    try:
        migrator = Migrator(store)
        identity = Identity(**ident)
        # Warm one connection so the barrier measures migrations, not connection set-up.
        await store.get_linked("warm-up", "warm-up")
        await asyncio.to_thread(barrier.wait, 60)
        results = await asyncio.gather(*(migrator.migrate(identity) for _ in range(tasks)))
        return [
            (r.action.value, r.user_id, any(s.startswith("race:") for s in r.decision_trace)) for r in results
        ]
    finally:
        await store.aclose()


def migrate_worker(url: str, ident: dict[str, Any], tasks: int, barrier: Any, out: Any) -> None:
    """Process entry point: put ``("ok", results)`` or ``("error", traceback)`` on ``out``."""
    try:
        out.put(("ok", asyncio.run(_run(url, ident, tasks, barrier))))
    except BaseException:
        out.put(("error", traceback.format_exc()))
