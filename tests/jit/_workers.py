"""Worker process for the concurrency tests (imported by ``spawn``-ed children).

Each process opens its own engine and store, waits at a barrier so every process starts at once,
then runs one concurrent ``migrate()`` call per identity it was given. A typed refusal is a
result (its code), not a failure; anything else is reported as an error with its traceback.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

from idpbridge import Identity
from idpbridge.jit import JITError, MigrationPolicy, Migrator, SQLUserStore

Result = tuple[str, str | None, bool]
"""``(action or "refused:<code>", user_id, lost a race and re-read)``."""


async def _one(migrator: Migrator, identity: Identity) -> Result:
    try:
        r = await migrator.migrate(identity)
    except JITError as exc:
        if exc.code.startswith("jit.store."):
            raise
        trace = exc.details.get("decision_trace") or []
        return (f"refused:{exc.code}", None, any(s.startswith("race:") for s in trace))
    return (r.action.value, r.user_id, any(s.startswith("race:") for s in r.decision_trace))


async def _run(
    url: str, idents: list[dict[str, Any]], authoritative: list[str], barrier: Any
) -> list[Result]:
    store = await SQLUserStore.open(url, pool_size=len(idents), max_overflow=0)
    try:
        migrator = Migrator(store, MigrationPolicy(email_authoritative=frozenset(authoritative)))
        identities = [Identity(**ident) for ident in idents]
        # Warm one connection so the barrier measures migrations, not connection set-up.
        await store.get_linked("warm-up", "warm-up")
        await asyncio.to_thread(barrier.wait, 60)
        return list(await asyncio.gather(*(_one(migrator, i) for i in identities)))
    finally:
        await store.aclose()


def migrate_worker(
    url: str, idents: list[dict[str, Any]], authoritative: list[str], barrier: Any, out: Any
) -> None:
    """Process entry point: put ``("ok", results)`` or ``("error", traceback)`` on ``out``."""
    try:
        out.put(("ok", asyncio.run(_run(url, idents, authoritative, barrier))))
    except BaseException:
        out.put(("error", traceback.format_exc()))
