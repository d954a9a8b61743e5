"""Tables of the reference SQL user store (SQLAlchemy Core, SQLite and PostgreSQL).

* ``idpbridge_jit_schema``: one row per component with its schema version.
* ``idpbridge_jit_users``: local users; ``email``/``email_verified`` are columns (for lookup),
  every other mapped attribute lives in the JSON ``attributes`` column.
* ``idpbridge_jit_links``: ``(issuer, subject)`` is the primary key — the unique constraint that
  makes concurrent migrations of one identity end with one link; the unique index on
  ``(user_id, issuer)`` (schema version 2) keeps a user at one link per issuer.
* ``idpbridge_jit_events``: append-only decisions (no secrets, no tokens, no attribute values).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from .errors import StoreError

SCHEMA_COMPONENT = "jit"
SCHEMA_VERSION = 2
# Key for pg_advisory_xact_lock while creating the schema ("idpb" in ASCII).
PG_SCHEMA_LOCK = 0x69647062
# First key of the two-key pg_advisory_xact_lock(int, int) taken per email (a separate key space
# from the one-key schema lock); the second key is email_lock_key(email).
PG_EMAIL_LOCK = 0x69647062


def email_lock_key(email: str) -> int:
    """A signed 32-bit key for an email address, the same in every process and PostgreSQL version.

    Two addresses may share a key; that only makes their writes wait for each other.
    """
    digest = hashlib.blake2b(email.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


metadata = sa.MetaData()

_ts = sa.DateTime(timezone=True)
_event_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

schema_table = sa.Table(
    "idpbridge_jit_schema",
    metadata,
    sa.Column("component", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer(), nullable=False),
)

users = sa.Table(
    "idpbridge_jit_users",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(), nullable=True, index=True),
    sa.Column("email_verified", sa.Boolean(), nullable=True),
    sa.Column("attributes", sa.JSON(), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
    sa.Column("credentials_invalidated_at", _ts, nullable=True),
)

links = sa.Table(
    "idpbridge_jit_links",
    metadata,
    sa.Column("issuer", sa.String(), nullable=False),
    sa.Column("subject", sa.String(), nullable=False),
    sa.Column(
        "user_id", sa.String(64), sa.ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("connector", sa.String(), nullable=False),
    sa.Column("provider", sa.String(), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.PrimaryKeyConstraint("issuer", "subject", name="pk_idpbridge_jit_links_identity"),
)
# One link per (user, issuer); added in schema version 2 (see install).
_USER_ISSUER = "uq_idpbridge_jit_links_user_issuer"
links_user_issuer = sa.Index(_USER_ISSUER, links.c.user_id, links.c.issuer, unique=True)

events = sa.Table(
    "idpbridge_jit_events",
    metadata,
    sa.Column("id", _event_id, primary_key=True, autoincrement=True),
    sa.Column("at", _ts, nullable=False, index=True),
    sa.Column("connector", sa.String(), nullable=False),
    sa.Column("provider", sa.String(), nullable=False),
    sa.Column("issuer", sa.String(), nullable=False),
    sa.Column("subject", sa.String(), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("code", sa.String(64), nullable=True),
    sa.Column("user_id", sa.String(64), nullable=True),
    sa.Column("fields", sa.String(), nullable=False),
)


def install(conn: sa.Connection) -> None:
    """Create missing tables and record, check or upgrade the schema version.

    Runs in the caller's transaction, which must serialize schema changes (PostgreSQL: the
    :data:`PG_SCHEMA_LOCK` advisory lock; SQLite: ``BEGIN IMMEDIATE``).
    """
    metadata.create_all(conn)
    mine = schema_table.c.component == SCHEMA_COMPONENT
    version = conn.execute(sa.select(schema_table.c.version).where(mine)).scalar()
    if version is None:
        conn.execute(sa.insert(schema_table).values(component=SCHEMA_COMPONENT, version=SCHEMA_VERSION))
    elif version > SCHEMA_VERSION:
        raise StoreError(
            f"database schema version {version} is newer than this idpbridge's ({SCHEMA_VERSION})",
            code="jit.store.schema",
        )
    elif version < SCHEMA_VERSION:
        offenders = duplicate_issuer_links(conn)
        if offenders:
            raise StoreError(
                f"cannot upgrade the schema from version {version} to {SCHEMA_VERSION}: "
                f"{len(offenders)} local user(s) have several links for one issuer "
                f"({', '.join(offenders[:10])}); delete all but one link per user and issuer, "
                "then open the store again",
                code="jit.store.schema",
                details={"user_ids": offenders},
            )
        links_user_issuer.create(conn, checkfirst=True)  # version 1 -> 2
        conn.execute(sa.update(schema_table).where(mine).values(version=SCHEMA_VERSION))


def is_issuer_conflict(message: str) -> bool:
    """Whether a driver's unique-violation message is about the ``(user_id, issuer)`` index."""
    # PostgreSQL names the index; SQLite names the columns.
    return _USER_ISSUER in message or f"{links.name}.user_id, {links.name}.issuer" in message


def duplicate_issuer_links(conn: sa.Connection) -> list[str]:
    """Ids of users with more than one link for the same issuer (what version 2 forbids)."""
    q = (
        sa.select(links.c.user_id)
        .group_by(links.c.user_id, links.c.issuer)
        .having(sa.func.count() > 1)
        .order_by(links.c.user_id)
    )
    return sorted({str(u) for u in conn.execute(q).scalars()})
