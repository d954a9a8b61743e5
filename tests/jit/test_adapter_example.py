"""The UserStore adapter printed in docs/jit.md works, exactly as printed."""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from idpbridge.jit import (
    LinkConflict,
    LinkRequiresReauthentication,
    MigrationAction,
    Migrator,
    UnknownLocalUser,
    UserStore,
)

from ._helpers import identity

DOC = Path(__file__).resolve().parents[2] / "docs" / "jit.md"


def load_example() -> types.ModuleType:
    text = DOC.read_text()
    match = re.search(
        r"<!-- adapter-example:start -->\s*```python\n(.*?)```\s*<!-- adapter-example:end -->", text, re.S
    )
    assert match, "adapter example markers missing from docs/jit.md"
    module = types.ModuleType("jit_adapter_example")
    exec(compile(match.group(1), str(DOC), "exec"), module.__dict__)  # noqa: S102 - our own docs
    return module


@pytest.fixture(params=["sqlite", "postgres"])
async def example(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Any, AsyncEngine]]:
    """The example module and an engine with its tables, on SQLite and on a real PostgreSQL."""
    module = load_example()
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(module.meta.create_all)
    try:
        yield module, engine
    finally:
        await engine.dispose()


async def test_adapter_satisfies_the_protocol_and_migrates(example: tuple[Any, AsyncEngine]) -> None:
    module, engine = example
    store = module.AppUserStore(engine)
    assert isinstance(store, UserStore)
    migrator = Migrator(store, module.POLICY)

    created = await migrator.migrate(identity())
    assert created.action is MigrationAction.CREATED
    assert (await migrator.migrate(identity())).action is MigrationAction.UNCHANGED
    renamed = await migrator.migrate(identity(name="Jane Q. Doe"))  # name is "always"
    assert (renamed.action, renamed.user_id) == (MigrationAction.UPDATED, created.user_id)

    # A native local account with a password, email never confirmed; a trusted IdP links to it.
    async with engine.begin() as conn:
        row = {"email": "bob@example.com", "email_confirmed": False, "password_hash": "x"}
        local_id = (
            await conn.execute(sa.insert(module.app_users).values(row).returning(module.app_users.c.id))
        ).scalar()
    bob = identity(subject="00u2", email="bob@example.com", name="Bob")
    linked = await migrator.migrate(bob)
    assert (linked.action, linked.user_id, linked.invalidate_credentials) == (
        MigrationAction.LINKED,
        str(local_id),
        True,
    )
    async with engine.connect() as conn:
        q = sa.select(module.app_users.c.password_hash, module.app_users.c.display_name)
        assert (await conn.execute(q.where(module.app_users.c.id == local_id))).one() == (None, "Bob")

    # Untrusted connector: re-authenticate, then confirm.
    other = identity(
        connector="google", issuer="https://accounts.google.com", subject="g1", email="bob@example.com"
    )
    with pytest.raises(LinkRequiresReauthentication) as info:
        await migrator.migrate(other)
    assert info.value.user_id == str(local_id)
    confirmed = await migrator.confirm_link(other, info.value.user_id)
    assert confirmed.action is MigrationAction.LINKED
    with pytest.raises(UnknownLocalUser):
        await migrator.confirm_link(identity(subject="00u9", issuer="https://x"), "999")


async def test_adapter_turns_a_lost_race_into_already_linked(example: tuple[Any, AsyncEngine]) -> None:
    module, engine = example
    store = module.AppUserStore(engine)
    first = await Migrator(store, module.POLICY).migrate(identity())

    class Stale(module.AppUserStore):  # type: ignore[misc,name-defined]
        async def get_linked(self, issuer: str, subject: str) -> None:
            return None  # as if the other worker had not committed yet when we looked

        async def find_by_email(self, email: str) -> list[Any]:
            return []

    calls: list[str] = []

    class Recovering(Stale):  # second attempt sees the truth
        async def get_linked(self, issuer: str, subject: str) -> Any:
            calls.append("get_linked")
            if len(calls) == 1:
                return None
            return await module.AppUserStore.get_linked(self, issuer, subject)

    result = await Migrator(Recovering(engine), module.POLICY).migrate(identity())
    assert (result.action, result.user_id) == (MigrationAction.UNCHANGED, first.user_id)
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(module.app_users))).scalar() == 1


async def test_adapter_rechecks_email_and_issuer_decisions(example: tuple[Any, AsyncEngine]) -> None:
    """Reads that are stale by the time of the write (a rival committed in between) are caught."""
    module, engine = example
    store = module.AppUserStore(engine)
    first = await Migrator(store, module.POLICY).migrate(identity())  # creates the user, links 00u1

    class StaleEmail(module.AppUserStore):  # type: ignore[misc,name-defined]
        """The first email lookup ran before the rival's user and link were committed."""

        seen = 0

        async def find_by_email(self, email: str) -> list[Any]:
            self.seen += 1
            if self.seen == 1:
                return []  # "nobody has this email": would create a second user
            return list(await module.AppUserStore.find_by_email(self, email))

    other_idp = identity(issuer="https://second.example.com", subject="s2")
    linked = await Migrator(StaleEmail(engine), module.POLICY).migrate(other_idp)
    assert (linked.action, linked.user_id) == (MigrationAction.LINKED, first.user_id)
    assert any(step.startswith("race:") for step in linked.decision_trace)

    class StaleIssuers(module.AppUserStore):  # type: ignore[misc,name-defined]
        """The first email lookup ran before the user's link for this issuer was committed."""

        seen = 0

        async def find_by_email(self, email: str) -> list[Any]:
            self.seen += 1
            found = list(await module.AppUserStore.find_by_email(self, email))
            if self.seen == 1:
                return [dataclasses.replace(u, linked_issuers=()) for u in found]
            return found

    with pytest.raises(LinkConflict) as info:
        await Migrator(StaleIssuers(engine), module.POLICY).migrate(identity(subject="00u2"))
    assert info.value.code == "jit.issuer_already_linked"
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(module.app_users))).scalar() == 1
        assert (
            await conn.execute(sa.select(sa.func.count()).select_from(module.app_identities))
        ).scalar() == 2
