"""JIT fixtures: a reference store on SQLite (file, WAL) and, for store tests, on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from idpbridge.jit import SQLUserStore


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SQLUserStore]:
    """A store on a fresh SQLite file."""
    store = await SQLUserStore.open(tmp_path / "users.db")
    try:
        yield store
    finally:
        await store.aclose()


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SQLUserStore]:
    """The reference store on each supported engine (PostgreSQL is a real server on loopback)."""
    url = str(tmp_path / "users.db") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    opened = await SQLUserStore.open(url)
    try:
        yield opened
    finally:
        await opened.aclose()
