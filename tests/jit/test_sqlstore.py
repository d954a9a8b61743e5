"""The reference SQL store on SQLite and on a real PostgreSQL server: schema, atomicity, races, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from idpbridge.jit import (
    AlreadyLinked,
    Link,
    MigrationAction,
    MigrationEvent,
    Migrator,
    SQLUserStore,
    StoreError,
    UnknownLocalUser,
    database_url,
)
from idpbridge.jit import _schema as schema

from ._helpers import ISSUER, count, dump, identity

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
LINK = Link(issuer=ISSUER, subject="00u1", connector="okta", provider="okta")


def event(action: str = "created", **kw: Any) -> MigrationEvent:
    values: dict[str, Any] = {
        "at": NOW,
        "connector": "okta",
        "provider": "okta",
        "issuer": ISSUER,
        "subject": "00u1",
        "action": action,
    }
    values.update(kw)
    return MigrationEvent(**values)


async def test_schema_is_idempotent_and_versioned(store: SQLUserStore) -> None:
    await store.ensure_schema()
    await store.ensure_schema()
    assert await store.schema_version() == schema.SCHEMA_VERSION
    assert await count(store, schema.schema_table) == 1


async def test_newer_schema_is_refused(store: SQLUserStore) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(schema.schema_table).values(version=schema.SCHEMA_VERSION + 1))
    with pytest.raises(StoreError) as info:
        await store.ensure_schema()
    assert info.value.code == "jit.store.schema"


async def test_identity_key_is_unique_in_the_database(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": "a@example.com"}, event())
    row = {
        "issuer": ISSUER,
        "subject": "00u1",
        "user_id": user_id,
        "connector": "x",
        "provider": "x",
        "created_at": NOW,
    }
    with pytest.raises(sa.exc.IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(sa.insert(schema.links).values(row))


async def test_create_on_linked_key_raises_already_linked_and_creates_nothing(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": "a@example.com", "name": "A"}, event())
    before = await dump(store)
    with pytest.raises(AlreadyLinked) as info:
        await store.create_user(LINK, {"email": "b@example.com"}, event())
    assert info.value.user_id == user_id
    assert await dump(store) == before


async def test_crash_between_user_and_link_insert_leaves_no_orphan(
    store: SQLUserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store._insert_link
    calls: list[str] = []

    async def crash_once(conn: Any, link: Link, user_id: str, at: dt.datetime) -> None:
        calls.append(user_id)
        if len(calls) == 1:
            # The user row is already inserted in this transaction: prove it, then fail.
            inside = (await conn.execute(sa.select(sa.func.count()).select_from(schema.users))).scalar_one()
            assert inside == 1
            raise RuntimeError("injected crash between user insert and link insert")
        await real(conn, link, user_id, at)

    monkeypatch.setattr(store, "_insert_link", crash_once)
    migrator = Migrator(store)
    with pytest.raises(RuntimeError, match="injected crash"):
        await migrator.migrate(identity())
    assert await count(store, schema.users) == 0
    assert await count(store, schema.links) == 0
    assert await count(store, schema.events) == 0

    retry = await migrator.migrate(identity())
    assert retry.action is MigrationAction.CREATED
    assert await count(store, schema.users) == 1
    assert await count(store, schema.links) == 1
    assert retry.user_id == calls[1]


async def test_link_user_is_atomic(store: SQLUserStore) -> None:
    owner = await store.create_user(LINK, {"email": "a@example.com"}, event())
    other = await store.create_user(
        dataclasses.replace(LINK, subject="00u2"), {"email": "b@example.com"}, event(subject="00u2")
    )
    before = await dump(store)
    with pytest.raises(AlreadyLinked) as info:
        await store.link_user(other, LINK, {"name": "should not be written"}, event("linked"))
    assert info.value.user_id == owner
    with pytest.raises(UnknownLocalUser):
        await store.link_user("missing", dataclasses.replace(LINK, subject="00u3"), {}, event("linked"))
    assert await dump(store) == before


async def test_update_merges_attributes(store: SQLUserStore) -> None:
    user_id = await store.create_user(LINK, {"email": "a@example.com", "name": "A", "locale": "en"}, event())
    await store.update_user(user_id, {"locale": "fr", "email_verified": True}, event("updated"))
    user = await store.get_user(user_id)
    assert user is not None
    assert dict(user.attributes) == {
        "email": "a@example.com",
        "email_verified": True,
        "name": "A",
        "locale": "fr",
    }
    assert user.email_verified is True
    assert user.linked_issuers == (ISSUER,)
    with pytest.raises(UnknownLocalUser):
        await store.update_user("missing", {"name": "x"}, event("updated"))


async def test_events_record_decisions_without_values(store: SQLUserStore) -> None:
    migrator = Migrator(store)
    result = await migrator.migrate(identity())
    stats = await store.stats()
    assert (stats.users, stats.links) == (1, 1)
    assert stats.by_connector_action == (("okta", "created", 1),)
    (only,) = stats.recent
    assert (only.action, only.user_id, only.connector, only.subject) == (
        "created",
        result.user_id,
        "okta",
        "00u1",
    )
    assert set(only.fields) == {"email", "email_verified", "name", "given_name", "family_name"}
    assert only.at.tzinfo is not None
    async with store.engine.connect() as conn:
        raw = (await conn.execute(sa.select(schema.events))).mappings().one()
    assert "jane@example.com" not in repr(dict(raw))  # names of fields only, never values
    assert stats.as_dict()["by_connector_action"] == [{"connector": "okta", "action": "created", "count": 1}]


def test_database_url(tmp_path: Path) -> None:
    assert database_url(tmp_path / "u.db").render_as_string() == f"sqlite+aiosqlite:///{tmp_path}/u.db"
    assert database_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert database_url("postgres://u@h/db").drivername == "postgresql+asyncpg"
    assert database_url("postgresql+psycopg://u@h/db").drivername == "postgresql+asyncpg"
    with pytest.raises(StoreError) as info:
        database_url("mysql://u@h/db")
    assert info.value.code == "jit.store.unsupported"


async def test_unreachable_database_is_a_retryable_store_error_without_the_password() -> None:
    from tests.peers._proc import free_port

    url = f"postgresql://idpbridge:hunter2-secret@127.0.0.1:{free_port()}/nothing"
    with pytest.raises(StoreError) as info:
        await SQLUserStore.open(url)
    assert info.value.code == "jit.store.unavailable"
    assert info.value.retryable is True
    assert "hunter2" not in str(info.value) + repr(info.value)


async def test_sqlite_runs_in_wal_mode(sqlite_store: SQLUserStore) -> None:
    async with sqlite_store.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1


async def test_sqlite_lock_held_too_long_is_a_retryable_busy_error(tmp_path: Path) -> None:
    import asyncio
    import sqlite3

    path = tmp_path / "locked.db"
    async with await SQLUserStore.open(path, busy_timeout=0.05, busy_retries=2) as store:
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            with pytest.raises(StoreError) as info:
                await Migrator(store).migrate(identity())
            assert (info.value.code, info.value.retryable) == ("jit.store.busy", True)
            assert await count(store, schema.users) == 0
            holder.execute("ROLLBACK")

            # Released while the store is still waiting or retrying: the migration goes through.
            async def release_soon() -> None:
                await asyncio.sleep(0.02)
                holder.execute("ROLLBACK")

            patient = await SQLUserStore.open(path, busy_timeout=0.05, busy_retries=20)
            async with patient:
                holder.execute("BEGIN IMMEDIATE")
                released = asyncio.create_task(release_soon())
                result = await Migrator(patient).migrate(identity())
                await released
            assert result.action is MigrationAction.CREATED
        finally:
            holder.close()
