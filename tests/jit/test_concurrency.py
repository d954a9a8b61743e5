"""Racing migrations of one new identity end with one user, one link and one user id everywhere."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from idpbridge import Identity
from idpbridge.jit import (
    AlreadyLinked,
    EmailSnapshot,
    Link,
    LinkConflict,
    LocalUser,
    MigrationAction,
    MigrationEvent,
    MigrationPolicy,
    Migrator,
    SQLUserStore,
    StoreError,
)
from idpbridge.jit import _schema as schema

from ._helpers import count, identity
from ._workers import Result, migrate_worker

PROCESSES = 5
TASKS = 10  # per process: 50 concurrent migrate() calls in all
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)

IDENT: dict[str, Any] = {
    "provider": "okta",
    "connector": "okta",
    "issuer": "https://legacy.example.com",
    "subject": "00u-race",
    "email": "race@example.com",
    "email_verified": True,
    "name": "Race Condition",
}


def race(
    url: str, per_process: list[list[dict[str, Any]]], authoritative: tuple[str, ...] = ()
) -> list[Result]:
    """Run one migration per identity, all at once, from ``len(per_process)`` OS processes."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(per_process))
    out = ctx.Queue()
    procs = [
        ctx.Process(target=migrate_worker, args=(url, idents, list(authoritative), barrier, out), daemon=True)
        for idents in per_process
    ]
    for p in procs:
        p.start()
    results: list[Result] = []
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


def same_identity() -> list[list[dict[str, Any]]]:
    return [[IDENT] * TASKS for _ in range(PROCESSES)]


async def check_one_user(url: str, results: list[Result]) -> None:
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
    await check_one_user(postgres_url, race(postgres_url, same_identity()))


async def test_fifty_concurrent_migrations_sqlite(tmp_path: Path) -> None:
    url = str(tmp_path / "race.db")
    await check_one_user(url, race(url, same_identity()))


# -- one email, many identities -----------------------------------------------------------------

SHARED = "shared@example.com"
LATE = "idp-late"


def subjects_of_one_issuer() -> list[list[dict[str, Any]]]:
    """50 different subjects of one issuer, all with the same verified email."""
    one = {**IDENT, "email": SHARED}
    return [[{**one, "subject": f"00u-{p}-{t}"} for t in range(TASKS)] for p in range(PROCESSES)]


def many_issuers() -> list[list[dict[str, Any]]]:
    """50 authoritative issuers (one connector each), one subject each, all with the same email."""

    def ident(i: int) -> dict[str, Any]:
        return {**IDENT, "connector": f"idp{i}", "issuer": f"https://idp{i}.example.com", "email": SHARED}

    return [[ident(p * TASKS + t) for t in range(TASKS)] for p in range(PROCESSES)]


AUTHORITATIVE = (*(f"idp{i}" for i in range(PROCESSES * TASKS)), "okta", LATE)


async def seed_local_user(url: str) -> str:
    """A pre-existing local account (no links) whose email is verified locally."""
    async with await SQLUserStore.open(url) as store, store.engine.begin() as conn:
        row = {
            "id": "local-1",
            "email": SHARED,
            "email_verified": True,
            "attributes": {},
            "created_at": NOW,
            "updated_at": NOW,
        }
        await conn.execute(sa.insert(schema.users).values(row))
    return "local-1"


async def sequential(tmp_path: Path, per_process: list[list[dict[str, Any]]], seed: bool) -> Counter[str]:
    """The same migrations one at a time on a fresh store: what concurrency must reproduce."""
    url = str(tmp_path / "sequential.db")
    if seed:
        await seed_local_user(url)
    async with await SQLUserStore.open(url) as store:
        migrator = Migrator(store, MigrationPolicy(email_authoritative=frozenset(AUTHORITATIVE)))
        outcomes: Counter[str] = Counter()
        for ident in (i for idents in per_process for i in idents):
            try:
                outcomes[(await migrator.migrate(Identity(**ident))).action.value] += 1
            except LinkConflict as exc:
                outcomes[f"refused:{exc.code}"] += 1
    return outcomes


async def check_one_link_per_issuer(url: str, tmp_path: Path, results: list[Result]) -> None:
    outcomes = Counter(r[0] for r in results)
    async with await SQLUserStore.open(url) as store:
        users = await count(store, schema.users)
        links = await count(store, schema.links, schema.links.c.issuer == IDENT["issuer"])
        summary = f"{links} links for the issuer, {users} users; outcomes {dict(outcomes)}"
        print(summary)
        assert (users, links) == (1, 1), summary
        owner = await store.get_user("local-1")
        assert owner is not None
        assert owner.linked_issuers == (IDENT["issuer"],)
    assert outcomes == Counter({"linked": 1, "refused:jit.issuer_already_linked": PROCESSES * TASKS - 1})
    assert outcomes == await sequential(tmp_path, subjects_of_one_issuer(), seed=True)
    assert {r[1] for r in results if r[0] == "linked"} == {"local-1"}


async def check_one_user_per_email(url: str, tmp_path: Path, results: list[Result]) -> None:
    outcomes = Counter(r[0] for r in results)
    async with await SQLUserStore.open(url) as store:
        users = await count(store, schema.users)
        links = await count(store, schema.links)
        summary = f"{users} users, {links} links; outcomes {dict(outcomes)}"
        print(summary)
        assert (users, links) == (1, PROCESSES * TASKS), summary
        assert outcomes == Counter({"created": 1, "linked": PROCESSES * TASKS - 1})
        assert outcomes == await sequential(tmp_path, many_issuers(), seed=False)
        assert len({r[1] for r in results}) == 1
        # A later login with that email, from another authoritative IdP, links to the same user.
        migrator = Migrator(store, MigrationPolicy(email_authoritative=frozenset(AUTHORITATIVE)))
        late = Identity(**{**many_issuers()[0][0], "connector": LATE, "issuer": "https://late.example.com"})
        result = await migrator.migrate(late)
        assert (result.action, result.user_id) == (MigrationAction.LINKED, results[0][1])


@pytest.mark.peer("postgres")
async def test_subjects_of_one_issuer_link_once_postgres(postgres_url: str, tmp_path: Path) -> None:
    await seed_local_user(postgres_url)
    results = race(postgres_url, subjects_of_one_issuer(), AUTHORITATIVE)
    await check_one_link_per_issuer(postgres_url, tmp_path, results)


async def test_subjects_of_one_issuer_link_once_sqlite(tmp_path: Path) -> None:
    url = str(tmp_path / "race.db")
    await seed_local_user(url)
    await check_one_link_per_issuer(url, tmp_path, race(url, subjects_of_one_issuer(), AUTHORITATIVE))


@pytest.mark.peer("postgres")
async def test_many_issuers_one_email_create_one_user_postgres(postgres_url: str, tmp_path: Path) -> None:
    results = race(postgres_url, many_issuers(), AUTHORITATIVE)
    await check_one_user_per_email(postgres_url, tmp_path, results)


async def test_many_issuers_one_email_create_one_user_sqlite(tmp_path: Path) -> None:
    url = str(tmp_path / "race.db")
    await check_one_user_per_email(url, tmp_path, race(url, many_issuers(), AUTHORITATIVE))


class LosesTheRace:
    """A store wrapper where another worker links the identity just before our write lands."""

    def __init__(self, inner: SQLUserStore, rival: Identity) -> None:
        self.inner = inner
        self.rival = rival
        self.raced = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create_user(
        self, link: Link, values: Any, event: MigrationEvent, *, expect: EmailSnapshot | None = None
    ) -> str:
        if not self.raced:
            self.raced += 1
            await Migrator(self.inner).migrate(self.rival)  # the rival commits first
        return await self.inner.create_user(link, values, event, expect=expect)


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
    """A store written before ``expect`` existed: still usable (without the email re-check)."""

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
