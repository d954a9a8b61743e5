"""Connecting the SQL store to its database: URLs, the engine, and driver errors.

:func:`database_url` and :func:`create_engine` are public (re-exported by
:mod:`idpbridge.jit.sqlstore`); the rest turns driver exceptions into
:class:`~idpbridge.jit.StoreError` without SQL or parameters in the message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .errors import StoreError

__all__ = ["create_engine", "database_url", "is_busy", "store_error", "unavailable"]

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_PG_RETRY_STATES = ("40001", "40P01")  # serialization_failure, deadlock_detected


def database_url(value: str | os.PathLike[str]) -> sa.URL:
    """An async SQLAlchemy URL from a URL or a plain file path (which means SQLite).

    ``sqlite:///x.db`` gets the aiosqlite driver and ``postgresql://``/``postgres://`` the asyncpg
    driver; other databases raise :class:`~idpbridge.jit.StoreError` (``jit.store.unsupported``).
    """
    text = os.fspath(value)
    if "://" not in text:
        return sa.URL.create("sqlite+aiosqlite", database=str(Path(text).expanduser().resolve()))
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    url = sa.make_url(text)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return url.set(drivername="postgresql+asyncpg")
    raise StoreError(
        f"unsupported database {backend!r}: use SQLite or PostgreSQL", code="jit.store.unsupported"
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def create_engine(url: str | os.PathLike[str], *, busy_timeout: float = 30.0, **kwargs: Any) -> AsyncEngine:
    """An :class:`~sqlalchemy.ext.asyncio.AsyncEngine` set up for the store.

    SQLite: WAL, foreign keys on, ``busy_timeout`` seconds of waiting on locks. Statement
    parameters are hidden from SQLAlchemy's error messages (``hide_parameters``).
    """
    sa_url = database_url(url)
    kwargs.setdefault("hide_parameters", True)
    if sa_url.get_backend_name() == "sqlite":
        connect_args = {"timeout": busy_timeout, **kwargs.pop("connect_args", {})}
        engine = create_async_engine(sa_url, connect_args=connect_args, **kwargs)
        sa_event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        return engine
    return create_async_engine(sa_url, **kwargs)


def is_busy(exc: sa.exc.DBAPIError) -> bool:
    """Whether ``exc`` is a lock/serialization conflict worth retrying."""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state in _PG_RETRY_STATES:
        return True
    text = str(orig).lower()
    return any(marker in text for marker in _SQLITE_BUSY)


def unavailable(exc: OSError) -> StoreError:
    """A retryable StoreError for a database that cannot be reached."""
    return StoreError(
        f"database unavailable ({type(exc).__name__})", code="jit.store.unavailable", retryable=True
    )


def store_error(exc: sa.exc.DBAPIError) -> StoreError:
    """A StoreError naming the failure class only (no SQL, no parameters)."""
    kind = type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__
    if is_busy(exc):
        return StoreError(f"database busy ({kind})", code="jit.store.busy", retryable=True)
    if isinstance(exc, sa.exc.IntegrityError):
        return StoreError(f"integrity error ({kind})", code="jit.store.integrity")
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or exc.connection_invalidated:
        return StoreError(f"database unavailable ({kind})", code="jit.store.unavailable", retryable=True)
    return StoreError(f"database error ({kind})", code="jit.store.error")
