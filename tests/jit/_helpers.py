"""Builders and probes shared by the JIT tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from idpbridge import Authenticated, ClaimSource, Identity, Method, TokenSet
from idpbridge.jit import SQLUserStore
from idpbridge.jit import _schema as schema

ISSUER = "https://legacy.example.com"
TOKEN_MARKER = "eyJTOKENMARKER.zzzzzzzzzzzz.yyyyyyyyyy"


def identity(**overrides: Any) -> Identity:
    """A plausible Okta-like identity; override any field."""
    values: dict[str, Any] = {
        "provider": "okta",
        "connector": "okta",
        "issuer": ISSUER,
        "subject": "00u1",
        "email": "jane@example.com",
        "email_verified": True,
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
        "claims": {"sub": "00u1", "email": "jane@example.com"},
    }
    values.update(overrides)
    return Identity(**values)


def authenticated(ident: Identity | None = None, **overrides: Any) -> Authenticated:
    """An Authenticated outcome carrying tokens that must never reach the store."""
    return Authenticated(
        identity=ident or identity(**overrides),
        tokens=TokenSet(
            access_token=SecretStr(TOKEN_MARKER),
            id_token=SecretStr(TOKEN_MARKER),
            refresh_token=SecretStr(TOKEN_MARKER),
        ),
        method=Method.OIDC,
        userinfo={"sub": "00u1"},
    )


def apple_first_login(**overrides: Any) -> Identity:
    """Apple sends the name once, in the form's ``user`` field (ClaimSource.FIRST_LOGIN)."""
    values: dict[str, Any] = {
        "provider": "apple",
        "connector": "apple",
        "issuer": "https://appleid.apple.com",
        "subject": "001234.abcd",
        "email": "x@privaterelay.appleid.com",
        "email_verified": True,
        "given_name": "Jane",
        "family_name": "Doe",
        "sources": {"given_name": ClaimSource.FIRST_LOGIN, "family_name": ClaimSource.FIRST_LOGIN},
    }
    values.update(overrides)
    return Identity(**values)


async def dump(store: SQLUserStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every store table, for before/after comparisons."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with store.engine.connect() as conn:
        for table in (schema.users, schema.links, schema.events, schema.schema_table):
            rows = (await conn.execute(sa.select(table))).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def count(store: SQLUserStore, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    async with store.engine.connect() as conn:
        q = sa.select(sa.func.count()).select_from(table)
        if where:
            q = q.where(*where)
        return int((await conn.execute(q)).scalar_one())


@contextlib.contextmanager
def statements(store: SQLUserStore) -> Iterator[list[str]]:
    """Collect the SQL statements the store's engine sends while the block runs."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip().split(None, 1)[0].upper())

    sa.event.listen(store.engine.sync_engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine.sync_engine, "before_cursor_execute", listener)
