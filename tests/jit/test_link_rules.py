"""The store enforces the linking rules itself, at write time: one link per (user, issuer), and an
email decision holds only if the users with that email are still the ones the migrator read.

The multi-process races are in test_concurrency.py; these tests pin each rule down on SQLite and a
real PostgreSQL server, including the schema upgrade that adds the ``(user_id, issuer)`` index.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from idpbridge.jit import (
    AttributeMapping,
    ConcurrentChange,
    EmailSnapshot,
    JITError,
    LinkConflict,
    LinkRequiresReauthentication,
    LocalUser,
    MigrationAction,
    MigrationPolicy,
    Migrator,
    SQLUserStore,
    StoreError,
    SyncMode,
    UnknownLocalUser,
)
from idpbridge.jit import _schema as schema

from ._helpers import ISSUER, count, dump, identity
from .test_sqlstore import LINK, event

EMAIL = "jane@example.com"
TRUSTING = MigrationPolicy(email_authoritative={"okta"})


async def local_user(store: SQLUserStore, user_id: str, email: str = EMAIL) -> str:
    """A pre-existing local account (no links), email verified locally."""
    row = {
        "id": user_id,
        "email": email,
        "email_verified": True,
        "attributes": {},
        "created_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    }
    async with store.engine.begin() as conn:
        await conn.execute(sa.insert(schema.users).values(row))
    return user_id


def link_row(user_id: str, subject: str) -> dict[str, Any]:
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return {
        "issuer": ISSUER,
        "subject": subject,
        "user_id": user_id,
        "connector": "okta",
        "provider": "okta",
    } | {"created_at": at}


async def test_one_link_per_user_and_issuer_is_a_database_constraint(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": EMAIL}, event())
    with pytest.raises(sa.exc.IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(sa.insert(schema.links).values(link_row(user_id, "00u2")))


async def test_link_user_refuses_a_second_subject_of_the_issuer(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": EMAIL}, event())
    before = await dump(store)
    second = dataclasses.replace(LINK, subject="00u2")
    with pytest.raises(ConcurrentChange) as info:
        await store.link_user(user_id, second, {"name": "not written"}, event("linked", subject="00u2"))
    assert info.value.code == "jit.concurrent_change"
    assert await dump(store) == before


async def test_the_unique_index_backs_up_the_locked_check(
    store: SQLUserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = await store.create_user(LINK, {"email": EMAIL}, event())

    async def no_check(*_args: Any) -> None:
        return None

    monkeypatch.setattr(store, "_check_issuer", no_check)  # as if a writer skipped the lock
    before = await dump(store)
    with pytest.raises(ConcurrentChange):
        await store.link_user(user_id, dataclasses.replace(LINK, subject="00u2"), {}, event("linked"))
    assert await dump(store) == before


async def test_create_user_rechecks_the_email_snapshot(store: SQLUserStore) -> None:
    existing = await local_user(store, "local-1")
    before = await dump(store)
    with pytest.raises(ConcurrentChange):
        await store.create_user(LINK, {"email": EMAIL}, event(), expect=EmailSnapshot(EMAIL))
    assert await dump(store) == before
    # A snapshot that still holds lets the write through (here: "exactly local-1 has it").
    created = await store.create_user(
        LINK, {"email": EMAIL}, event(), expect=EmailSnapshot(EMAIL, (existing,))
    )
    assert created != existing
    assert await count(store, schema.users) == 2


async def test_link_user_rechecks_the_email_snapshot(store: SQLUserStore) -> None:
    first = await local_user(store, "local-1")
    await local_user(store, "local-2")  # appeared after the migrator saw only local-1
    before = await dump(store)
    with pytest.raises(ConcurrentChange):
        await store.link_user(first, LINK, {}, event("linked"), expect=EmailSnapshot(EMAIL, (first,)))
    assert await dump(store) == before


def test_email_snapshot_keeps_the_address_out_of_repr() -> None:
    snap = EmailSnapshot(EMAIL, ("b", "a"))
    assert EMAIL not in repr(snap)
    assert snap.user_ids == ("a", "b")


class StaleReads:
    """Reads as of just before a rival committed: the first email lookup misses the rival's write."""

    def __init__(self, inner: SQLUserStore, stale: list[LocalUser]) -> None:
        self.inner = inner
        self.stale: list[list[LocalUser]] = [stale]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def find_by_email(self, email: str) -> Any:
        if self.stale:
            return self.stale.pop()
        return await self.inner.find_by_email(email)


async def test_stale_empty_email_lookup_links_instead_of_creating_a_second_user(store: SQLUserStore) -> None:
    winner = await local_user(store, "local-1")
    racy = StaleReads(store, [])  # "nobody has this email" - but local-1 committed meanwhile
    result = await Migrator(racy, TRUSTING).migrate(identity())  # type: ignore[arg-type]
    assert (result.action, result.user_id) == (MigrationAction.LINKED, winner)
    assert any(step.startswith("race:") for step in result.decision_trace)
    assert await count(store, schema.users) == 1


async def test_stale_empty_email_lookup_with_untrusted_email_asks_for_reauthentication(
    store: SQLUserStore,
) -> None:
    winner = await local_user(store, "local-1")
    racy = StaleReads(store, [])
    with pytest.raises(LinkRequiresReauthentication) as info:  # default policy: email not trusted
        await Migrator(racy).migrate(identity())  # type: ignore[arg-type]
    assert info.value.user_id == winner
    assert await count(store, schema.users) == 1


async def test_stale_link_decision_becomes_the_sequential_refusal(store: SQLUserStore) -> None:
    owner = await local_user(store, "local-1")
    await Migrator(store, TRUSTING).migrate(identity(subject="00u1"))  # links 00u1 to local-1
    unlinked = LocalUser(id=owner, attributes={"email": EMAIL}, email_verified=True)  # read before that
    racy = StaleReads(store, [unlinked])
    with pytest.raises(LinkConflict) as info:
        await Migrator(racy, TRUSTING).migrate(identity(subject="00u2"))  # type: ignore[arg-type]
    assert info.value.code == "jit.issuer_already_linked"
    assert any(step.startswith("race:") for step in info.value.details["decision_trace"])
    assert await count(store, schema.links) == 1


async def downgrade_to_v1(store: SQLUserStore) -> None:
    """The version-1 schema: the same tables without the (user_id, issuer) index."""
    async with store.engine.begin() as conn:
        await conn.execute(sa.text(f"DROP INDEX {schema.links_user_issuer.name}"))
        await conn.execute(sa.update(schema.schema_table).values(version=1))


async def test_version_1_store_is_upgraded(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": EMAIL}, event())
    await downgrade_to_v1(store)
    assert await store.schema_version() == 1
    await store.ensure_schema()
    assert await store.schema_version() == schema.SCHEMA_VERSION == 2
    with pytest.raises(sa.exc.IntegrityError):  # the index is there now
        async with store.engine.begin() as conn:
            await conn.execute(sa.insert(schema.links).values(link_row(user_id, "00u2")))


async def test_version_1_store_with_duplicate_links_is_refused_until_cleaned(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": EMAIL}, event())
    await downgrade_to_v1(store)
    async with store.engine.begin() as conn:  # what the old race left behind
        await conn.execute(sa.insert(schema.links).values(link_row(user_id, "00u2")))
    with pytest.raises(StoreError) as info:
        await store.ensure_schema()
    assert info.value.code == "jit.store.schema"
    assert info.value.details["user_ids"] == [user_id]
    assert user_id in str(info.value)
    assert await store.schema_version() == 1  # nothing changed
    async with store.engine.begin() as conn:
        await conn.execute(sa.delete(schema.links).where(schema.links.c.subject == "00u2"))
    await store.ensure_schema()
    assert await store.schema_version() == 2


class PreExpectStore:
    """A store written against the protocol before ``expect``: it keeps working."""

    def __init__(self, inner: SQLUserStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create_user(self, link: Any, values: Any, event: Any) -> str:
        return await self.inner.create_user(link, values, event)


async def test_store_without_expect_still_works_and_is_warned_about(
    sqlite_store: SQLUserStore, caplog: pytest.LogCaptureFixture
) -> None:
    migrator = Migrator(PreExpectStore(sqlite_store))  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="idpbridge.jit"):
        result = await migrator.migrate(identity())
        await migrator.migrate(identity(subject="00u9", email="other@example.com"))
    assert result.action is MigrationAction.CREATED
    warnings = [r for r in caplog.records if "expect" in r.getMessage()]
    assert len(warnings) == 1  # once per method, not per call
    assert EMAIL not in caplog.text


def test_concurrent_change_is_a_jit_error() -> None:
    assert issubclass(ConcurrentChange, JITError)


class DeletedAfterRead:
    """An administrator deletes the user between our read and our write (links cascade)."""

    def __init__(self, inner: SQLUserStore) -> None:
        self.inner = inner
        self.deleted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def get_linked(self, issuer: str, subject: str) -> LocalUser | None:
        found = await self.inner.get_linked(issuer, subject)
        if found is not None and not self.deleted:
            async with self.inner.engine.begin() as conn:
                await conn.execute(sa.delete(schema.users).where(schema.users.c.id == found.id))
            self.deleted.append(found.id)
        return found


async def test_user_deleted_between_read_and_update_is_decided_again(store: SQLUserStore) -> None:
    always = MigrationPolicy(
        attributes=(AttributeMapping("email", "email"), AttributeMapping("name", "name", SyncMode.ALWAYS))
    )
    first = await Migrator(store, always).migrate(identity())
    racy = DeletedAfterRead(store)
    # The name changed, so this is an update - of a user that no longer exists by the write.
    result = await Migrator(racy, always).migrate(identity(name="Jane Q. Doe"))  # type: ignore[arg-type]
    assert racy.deleted == [first.user_id]
    assert result.action is MigrationAction.CREATED  # what the same call one moment later does
    assert result.user_id != first.user_id
    assert any(step.startswith("race:") for step in result.decision_trace)


async def test_confirm_link_to_a_user_deleted_meanwhile_is_unknown_user(store: SQLUserStore) -> None:
    class DeletesOnLink:
        def __init__(self, inner: SQLUserStore) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        async def link_user(self, user_id: str, *args: Any, **kwargs: Any) -> None:
            async with self.inner.engine.begin() as conn:
                await conn.execute(sa.delete(schema.users).where(schema.users.c.id == user_id))
            await self.inner.link_user(user_id, *args, **kwargs)

    target = await local_user(store, "local-1")
    with pytest.raises(UnknownLocalUser) as info:
        await Migrator(DeletesOnLink(store)).confirm_link(identity(), target)  # type: ignore[arg-type]
    assert info.value.user_id == target


async def test_opening_an_old_schema_without_create_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with await SQLUserStore.open(path) as store:
        await downgrade_to_v1(store)
    with pytest.raises(StoreError) as info:
        await SQLUserStore.open(path, create_schema=False)
    assert info.value.code == "jit.store.schema"
    async with await SQLUserStore.open(path) as upgraded:  # the default upgrades it
        assert await upgraded.schema_version() == schema.SCHEMA_VERSION
    async with await SQLUserStore.open(path, create_schema=False) as current:
        assert await current.schema_version() == schema.SCHEMA_VERSION
