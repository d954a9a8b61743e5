"""Reference :class:`~idpbridge.jit.UserStore` on SQLAlchemy 2 async: SQLite or PostgreSQL.

``pip install "idpbridge[jit]"`` (SQLite via aiosqlite) or ``"idpbridge[postgres]"`` (asyncpg).
SQLite needs nothing but a file path and suits one host; use PostgreSQL for many workers.

Race safety: every write is one transaction that re-checks its premise after taking its locks.
The link insert is ``INSERT … ON CONFLICT (issuer, subject) DO NOTHING RETURNING``: a conflict
rolls the whole transaction back (the user row inserted just before it included) and raises
:class:`~idpbridge.jit.AlreadyLinked`. ``link_user`` locks the user row (``FOR UPDATE``) and then
refuses a second link for the same issuer (:class:`~idpbridge.jit.ConcurrentChange`; the unique
index on ``(user_id, issuer)`` backs this up). A write given an
:class:`~idpbridge.jit.EmailSnapshot`, and every write that stores an email, first takes a lock
keyed by that email; the snapshot is then read again and a difference raises
:class:`~idpbridge.jit.ConcurrentChange`.

Locks: on SQLite, write transactions start with ``BEGIN IMMEDIATE``, so all writes are serialized
(the write lock is taken up front, so the busy timeout applies instead of a lock-upgrade
deadlock); the database runs in WAL mode and a residual ``database is locked`` is retried with
jittered backoff. On PostgreSQL, the email lock is ``pg_advisory_xact_lock`` (released at commit,
after the commit is visible), taken before any row lock, and deadlocks and serialization failures
are retried the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import os
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import _schema as s
from ._engine import create_engine, database_url, is_busy, store_error, unavailable
from ._stats import StoreStats, read_stats
from .errors import AlreadyLinked, ConcurrentChange, StoreError, UnknownLocalUser
from .store import EmailSnapshot, Link, LocalUser, MigrationEvent

__all__ = ["SQLUserStore", "StoreStats", "create_engine", "database_url"]

T = TypeVar("T")
_COLUMNS = ("email", "email_verified")


class SQLUserStore:
    """The reference :class:`~idpbridge.jit.UserStore` (tables in :mod:`idpbridge.jit._schema`).

    Build it with :meth:`open` (creates the engine and the schema) or around your own engine.
    """

    def __init__(self, engine: AsyncEngine, *, dispose_engine: bool = False, busy_retries: int = 10) -> None:
        self.engine = engine
        self._dispose = dispose_engine
        self._busy_retries = max(1, busy_retries)
        backend = engine.url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database {backend!r}", code="jit.store.unsupported")
        self._sqlite = backend == "sqlite"
        self._insert_fn = sqlite_dialect.insert if self._sqlite else pg_dialect.insert
        self._q_linked = (
            sa.select(s.users.c.id, s.users.c.email, s.users.c.email_verified, s.users.c.attributes)
            .select_from(s.links.join(s.users, s.links.c.user_id == s.users.c.id))
            .where(s.links.c.issuer == sa.bindparam("issuer"), s.links.c.subject == sa.bindparam("subject"))
        )
        self._q_email_lock = sa.select(
            sa.func.pg_advisory_xact_lock(
                sa.cast(s.PG_EMAIL_LOCK, sa.Integer), sa.cast(sa.bindparam("key"), sa.Integer)
            )
        )

    @classmethod
    async def open(
        cls,
        url: str | os.PathLike[str],
        *,
        create_schema: bool = True,
        busy_retries: int = 10,
        **engine_kwargs: Any,
    ) -> SQLUserStore:
        """Open a store on ``url`` (a SQLAlchemy URL or an SQLite file path); create the schema.

        ``engine_kwargs`` go to :func:`create_engine` (e.g. ``busy_timeout``, ``pool_size``).
        """
        store = cls(create_engine(url, **engine_kwargs), dispose_engine=True, busy_retries=busy_retries)
        try:
            if create_schema:
                await store.ensure_schema()
            else:
                await store._check_version()
        except BaseException:
            await store.aclose()
            raise
        return store

    async def aclose(self) -> None:
        """Dispose of the engine if this store created it."""
        if self._dispose:
            await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- schema ---------------------------------------------------------------------------------

    async def schema_version(self) -> int | None:
        """The schema version recorded in the database, or ``None`` if there is no schema."""

        async def op() -> int | None:
            async with self.engine.connect() as conn:
                exists = await conn.run_sync(lambda c: sa.inspect(c).has_table(s.schema_table.name))
                if not exists:
                    return None
                q = sa.select(s.schema_table.c.version).where(
                    s.schema_table.c.component == s.SCHEMA_COMPONENT
                )
                version = (await conn.execute(q)).scalar()
                return None if version is None else int(version)

        return await self._retry(op)

    async def _check_version(self) -> None:
        """Without ``create_schema``: refuse a recorded schema version other than this code's."""
        version = await self.schema_version()
        if version is not None and version != s.SCHEMA_VERSION:
            raise StoreError(
                f"database schema version {version}, this idpbridge needs {s.SCHEMA_VERSION}: "
                "open the store with create_schema=True (or call ensure_schema()) to upgrade it",
                code="jit.store.schema",
            )

    async def ensure_schema(self) -> None:
        """Create the tables and the schema-version row if missing; safe from many processes at once."""
        if await self.schema_version() == s.SCHEMA_VERSION:
            return

        async def op() -> None:
            async with self._write() as conn:
                if not self._sqlite:  # serialize concurrent DDL; SQLite's BEGIN IMMEDIATE already does
                    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(s.PG_SCHEMA_LOCK)))
                await conn.run_sync(s.install)

        await self._retry(op)

    # -- reads ----------------------------------------------------------------------------------

    async def get_linked(self, issuer: str, subject: str) -> LocalUser | None:
        """The user linked to ``(issuer, subject)``: one primary-key join, no write."""
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(self._q_linked, {"issuer": issuer, "subject": subject})).first()
        except sa.exc.DBAPIError as exc:
            raise store_error(exc) from exc
        except OSError as exc:
            raise unavailable(exc) from exc
        if row is None:
            return None
        return LocalUser(id=row[0], attributes=_attributes(row), email_verified=row[2])

    async def get_user(self, user_id: str) -> LocalUser | None:
        """The user with this id, with its linked issuers."""
        found = await self._users(s.users.c.id == str(user_id))
        return found[0] if found else None

    async def find_by_email(self, email: str) -> Sequence[LocalUser]:
        """Users whose email equals ``email`` exactly (at most 10)."""
        return await self._users(s.users.c.email == email)

    async def _users(self, where: sa.ColumnElement[bool]) -> list[LocalUser]:
        async def op() -> list[LocalUser]:
            async with self.engine.connect() as conn:
                q = sa.select(s.users.c.id, s.users.c.email, s.users.c.email_verified, s.users.c.attributes)
                rows = (await conn.execute(q.where(where).order_by(s.users.c.created_at).limit(10))).all()
                if not rows:
                    return []
                ids = [r[0] for r in rows]
                lq = sa.select(s.links.c.user_id, s.links.c.issuer).where(s.links.c.user_id.in_(ids))
                issuers: dict[str, list[str]] = {}
                for user_id, issuer in (await conn.execute(lq)).all():
                    issuers.setdefault(user_id, []).append(issuer)
            return [
                LocalUser(
                    id=r[0],
                    attributes=_attributes(r),
                    email_verified=r[2],
                    linked_issuers=tuple(sorted(issuers.get(r[0], []))),
                )
                for r in rows
            ]

        return await self._retry(op)

    # -- writes ---------------------------------------------------------------------------------

    async def create_user(
        self,
        link: Link,
        values: Mapping[str, Any],
        event: MigrationEvent,
        *,
        expect: EmailSnapshot | None = None,
    ) -> str:
        """Insert the user, its link and the event in one transaction, if ``expect`` still holds."""

        async def op() -> str:
            user_id = uuid.uuid4().hex
            async with self._write(_email(values), expect) as conn:
                row = {**_split(values, {}), "id": user_id, "created_at": event.at, "updated_at": event.at}
                await conn.execute(sa.insert(s.users).values(row))
                await self._insert_link(conn, link, user_id, event.at)
                await self._check_email(conn, expect, exclude=user_id)
                await self._insert_event(conn, dataclasses.replace(event, user_id=user_id))
            return user_id

        return await self._retry(op)

    async def link_user(
        self,
        user_id: str,
        link: Link,
        values: Mapping[str, Any],
        event: MigrationEvent,
        *,
        invalidate_credentials: bool = False,
        expect: EmailSnapshot | None = None,
    ) -> None:
        """Insert the link, write ``values`` and the event in one transaction.

        With the user row locked, the identity must be unlinked, the user must have no link for
        ``link.issuer``, and ``expect`` must still hold.
        """

        async def op() -> None:
            async with self._write(_email(values), expect) as conn:
                current = await self._lock_user(conn, user_id)
                await self._check_issuer(conn, user_id, link)
                await self._insert_link(conn, link, user_id, event.at)
                await self._check_email(conn, expect)
                await self._update(
                    conn, user_id, current, values, event.at, invalidate=invalidate_credentials
                )
                await self._insert_event(conn, event)

        await self._retry(op)

    async def update_user(self, user_id: str, values: Mapping[str, Any], event: MigrationEvent) -> None:
        """Merge ``values`` into the user (row locked) and append the event, in one transaction."""

        async def op() -> None:
            async with self._write(_email(values)) as conn:
                current = await self._lock_user(conn, user_id)
                await self._update(conn, user_id, current, values, event.at, invalidate=False)
                await self._insert_event(conn, event)

        await self._retry(op)

    async def record_event(self, event: MigrationEvent) -> None:
        """Append one event."""

        async def op() -> None:
            async with self._write() as conn:
                await self._insert_event(conn, event)

        await self._retry(op)

    async def _insert_link(self, conn: AsyncConnection, link: Link, user_id: str, at: dt.datetime) -> None:
        row = {
            "issuer": link.issuer,
            "subject": link.subject,
            "user_id": user_id,
            "connector": link.connector,
            "provider": link.provider,
            "created_at": at,
        }
        stmt = (
            self._insert_fn(s.links)
            .values(row)
            .on_conflict_do_nothing(index_elements=["issuer", "subject"])
            .returning(s.links.c.user_id)
        )
        if (await conn.execute(stmt)).first() is not None:
            return
        q = sa.select(s.links.c.user_id).where(
            s.links.c.issuer == link.issuer, s.links.c.subject == link.subject
        )
        owner = (await conn.execute(q)).scalar()
        if owner is None:  # the conflicting row vanished meanwhile: let the migrator re-read
            raise StoreError(
                "identity link changed concurrently", code="jit.store.contention", retryable=True
            )
        raise AlreadyLinked(user_id=str(owner))

    @staticmethod
    async def _check_issuer(conn: AsyncConnection, user_id: str, link: Link) -> None:
        """With the user locked: the identity is not linked, and the user has no other subject here."""
        same = (s.links.c.subject == link.subject) | (s.links.c.user_id == user_id)
        q = sa.select(s.links.c.user_id, s.links.c.subject).where(s.links.c.issuer == link.issuer, same)
        rows = (await conn.execute(q)).all()
        for owner, subject in rows:
            if subject == link.subject:
                raise AlreadyLinked(user_id=str(owner))
        if rows:
            raise ConcurrentChange(f"local user {user_id} has a link for this issuer already")

    @staticmethod
    async def _check_email(
        conn: AsyncConnection, expect: EmailSnapshot | None, *, exclude: str | None = None
    ) -> None:
        """With the email locked: the users that have it are still ``expect.user_ids``."""
        if expect is None:
            return
        q = sa.select(s.users.c.id).where(s.users.c.email == expect.email)
        if exclude is not None:
            q = q.where(s.users.c.id != exclude)
        found = (await conn.execute(q.limit(len(expect.user_ids) + 1))).scalars().all()
        if tuple(sorted(str(u) for u in found)) != expect.user_ids:
            raise ConcurrentChange("the local users with this email changed")

    async def _lock_user(self, conn: AsyncConnection, user_id: str) -> Mapping[str, Any]:
        q = sa.select(s.users.c.attributes).where(s.users.c.id == user_id).with_for_update()
        row = (await conn.execute(q)).first()
        if row is None:
            raise UnknownLocalUser(user_id=user_id)
        return dict(row[0] or {})

    async def _update(
        self,
        conn: AsyncConnection,
        user_id: str,
        current: Mapping[str, Any],
        values: Mapping[str, Any],
        at: dt.datetime,
        *,
        invalidate: bool,
    ) -> None:
        row: dict[str, Any] = {**_split(values, current), "updated_at": at}
        if invalidate:
            row["credentials_invalidated_at"] = at
        await conn.execute(sa.update(s.users).where(s.users.c.id == user_id).values(row))

    @staticmethod
    async def _insert_event(conn: AsyncConnection, event: MigrationEvent) -> None:
        row = {**dataclasses.asdict(event), "fields": ",".join(event.fields)}
        await conn.execute(sa.insert(s.events).values(row))

    @contextlib.asynccontextmanager
    async def _write(
        self, email: str | None = None, expect: EmailSnapshot | None = None
    ) -> AsyncIterator[AsyncConnection]:
        """A write transaction holding the lock of every email it stores or re-checks."""
        async with self.engine.begin() as conn:
            if self._sqlite:  # the database's single write lock: every write is serialized
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:  # sorted, so two writes never wait for each other's email locks in a cycle
                emails = {e for e in (email, expect.email if expect else None) if e is not None}
                for key in sorted({s.email_lock_key(e) for e in emails}):
                    await conn.execute(self._q_email_lock, {"key": key})
            yield conn

    async def _retry(self, op: Callable[[], Awaitable[T]]) -> T:
        delay = 0.005
        for attempt in range(self._busy_retries):
            try:
                return await op()
            except sa.exc.IntegrityError as exc:
                if s.is_issuer_conflict(str(exc.orig)):  # the unique index caught it: re-decide
                    raise ConcurrentChange("the local user has a link for this issuer already") from None
                raise store_error(exc) from exc
            except sa.exc.DBAPIError as exc:
                if not is_busy(exc) or attempt == self._busy_retries - 1:
                    raise store_error(exc) from exc
            except OSError as exc:  # asyncpg lets connection failures through unwrapped
                raise unavailable(exc) from exc
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not crypto
            delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- statistics -----------------------------------------------------------------------------

    async def stats(self, *, recent: int = 20) -> StoreStats:
        """Totals, event counts by connector and action, and the ``recent`` newest events."""
        return await read_stats(self.engine, recent=recent)


def _attributes(row: Sequence[Any]) -> dict[str, Any]:
    attributes = dict(row[3] or {})
    if row[1] is not None:
        attributes["email"] = row[1]
    if row[2] is not None:
        attributes["email_verified"] = bool(row[2])
    return attributes


def _split(values: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Column values plus the merged JSON ``attributes`` for an insert or update."""
    row = {k: values[k] for k in _COLUMNS if k in values}
    extra = {k: v for k, v in values.items() if k not in _COLUMNS}
    row["attributes"] = {**current, **extra}
    return row


def _email(values: Mapping[str, Any]) -> str | None:
    """The email a write stores, if any (it takes that email's lock)."""
    email = values.get("email")
    return email if isinstance(email, str) else None
