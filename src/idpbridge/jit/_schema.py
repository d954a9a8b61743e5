"""Tables of the reference SQL user store (SQLAlchemy Core, SQLite and PostgreSQL).

* ``idpbridge_jit_schema``: one row per component with its schema version.
* ``idpbridge_jit_users``: local users; ``email``/``email_verified`` are columns (for lookup),
  every other mapped attribute lives in the JSON ``attributes`` column.
* ``idpbridge_jit_links``: ``(issuer, subject)`` is the primary key — the unique constraint that
  makes concurrent migrations of one identity end with one link.
* ``idpbridge_jit_events``: append-only decisions (no secrets, no tokens, no attribute values).
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_COMPONENT = "jit"
SCHEMA_VERSION = 1
# Key for pg_advisory_xact_lock while creating the schema ("idpb" in ASCII).
PG_SCHEMA_LOCK = 0x69647062

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
