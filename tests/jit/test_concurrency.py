"""Racing migrations of one new identity end with one user, one link and one user id everywhere."""

from __future__ import annotations

import multiprocessing
import queue
from pathlib import Path
from typing import Any

import pytest

from idpbridge import Identity
from idpbridge.jit import (
    AlreadyLinked,
    Link,
    LocalUser,
    MigrationAction,
    MigrationEvent,
    Migrator,
    SQLUserStore,
    StoreError,
)
from idpbridge.jit import _schema as schema

from ._helpers import count, identity
from ._workers import migrate_worker

PROCESSES = 5
TASKS = 10  # per process: 50 concurrent migrate() calls in all

IDENT: dict[str, Any] = {
    "provider": "okta",
    "connector": "okta",
    "issuer": "https://legacy.example.com",
    "subject": "00u-race",
    "email": "race@example.com",
    "email_verified": True,
    "name": "Race Condition",
}


def race(url: str) -> list[tuple[str, str | None, bool]]:
    """Run PROCESSES x TASKS concurrent migrations from separate OS processes; return all results."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=migrate_worker, args=(url, IDENT, TASKS, barrier, out), daemon=True)
        for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results: list[tuple[str, str | None, bool]] = []
    errors: list[str] = []
    try:
        for _ in procs:
            status, payload = out.get(timeout=180)
            if status == "ok":
                results.extend(payload)
            else:
                errors.append(payload)
    except queue.Empty:
        errors.append("a worker produced no result within 180 s")
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert not errors, "\n".join(errors)
    return results


async def check_one_user(url: str, results: list[tuple[str, str | None, bool]]) -> None:
    assert len(results) == PROCESSES * TASKS
    user_ids = {r[1] for r in results}
    print(f"{sum(1 for r in results if r[2])} of {len(results)} calls lost a race and re-read")
    assert len(user_ids) == 1, user_ids
    actions = [r[0] for r in results]
    assert actions.count("created") == 1, actions
    assert set(actions) <= {"created", "unchanged"}
    async with await SQLUserStore.open(url) as store:
        assert await count(store, schema.users) == 1
        assert await count(store, schema.links) == 1
        assert await count(store, schema.events, schema.events.c.action == "created") == 1
        linked = await store.get_linked(IDENT["issuer"], IDENT["subject"])
        assert linked is not None
        assert {linked.id} == user_ids


@pytest.mark.peer("postgres")
async def test_fifty_concurrent_migrations_postgres(postgres_url: str) -> None:
    await check_one_user(postgres_url, race(postgres_url))


async def test_fifty_concurrent_migrations_sqlite(tmp_path: Path) -> None:
    url = str(tmp_path / "race.db")
    await check_one_user(url, race(url))


class LosesTheRace:
    """A store wrapper where another worker links the identity just before our write lands."""

    def __init__(self, inner: SQLUserStore, rival: Identity) -> None:
        self.inner = inner
        self.rival = rival
        self.raced = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create_user(self, link: Link, values: Any, event: MigrationEvent) -> str:
        if not self.raced:
            self.raced += 1
            await Migrator(self.inner).migrate(self.rival)  # the rival commits first
        return await self.inner.create_user(link, values, event)


async def test_lost_race_rereads_and_returns_the_winner(sqlite_store: SQLUserStore) -> None:
    racy = LosesTheRace(sqlite_store, identity())
    result = await Migrator(racy).migrate(identity())  # type: ignore[arg-type]
    assert racy.raced == 1
    assert result.action is MigrationAction.UNCHANGED
    winner = await sqlite_store.get_linked(identity().issuer, identity().subject)
    assert winner is not None
    assert result.user_id == winner.id
    assert any(step.startswith("race:") for step in result.decision_trace)
    assert await count(sqlite_store, schema.users) == 1


class AlwaysRaced:
    async def get_linked(self, issuer: str, subject: str) -> LocalUser | None:
        return None

    async def find_by_email(self, email: str) -> list[LocalUser]:
        return []

    async def create_user(self, link: Link, values: Any, event: MigrationEvent) -> str:
        raise AlreadyLinked(user_id="ghost")


async def test_endless_race_gives_up_with_retryable_contention() -> None:
    with pytest.raises(StoreError) as info:
        await Migrator(AlwaysRaced(), max_attempts=3).migrate(identity())  # type: ignore[arg-type]
    assert info.value.code == "jit.store.contention"
    assert info.value.retryable is True


class RivalCommitsBeforeEmailLookup:
    """The rival's user (with the same email) commits between our key lookup and our email lookup."""

    def __init__(self, inner: SQLUserStore, rival: Identity) -> None:
        self.inner = inner
        self.rival = rival

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def find_by_email(self, email: str) -> Any:
        await Migrator(self.inner).migrate(self.rival)
        return await self.inner.find_by_email(email)


async def test_email_lookup_racing_the_same_identity_is_not_a_conflict(sqlite_store: SQLUserStore) -> None:
    # Default policy (email not trusted): without the re-read this raised LinkRequiresReauthentication
    # pointing at the user just created for this very identity (seen on PostgreSQL under load).
    racy = RivalCommitsBeforeEmailLookup(sqlite_store, identity())
    result = await Migrator(racy).migrate(identity())  # type: ignore[arg-type]
    assert result.action is MigrationAction.UNCHANGED
    assert await count(sqlite_store, schema.users) == 1
    assert any(step.startswith("race:") for step in result.decision_trace)
