"""Just-in-time migration: turn an authenticated identity into a created or linked local user.

::

    from idpbridge.jit import Migrator, MigrationPolicy, SQLUserStore

    store = await SQLUserStore.open("users.db")          # or postgresql://… for many workers
    migrator = Migrator(store, MigrationPolicy(email_authoritative={"okta"}))
    result = await migrator.migrate(authenticated)       # created | linked | updated | unchanged

The identity key is ``(issuer, subject)``, never the email. See :mod:`idpbridge.jit.policy` for
the linking rules and :class:`UserStore` to back migration with your own users table.
:class:`SQLUserStore` needs ``pip install "idpbridge[jit]"`` (or ``[postgres]``); everything else
here has no extra dependency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AlreadyLinked,
    ConcurrentChange,
    JITError,
    LinkConflict,
    LinkRequiresReauthentication,
    StoreError,
    UnknownLocalUser,
    UserCreationDisabled,
)
from .migrator import MigrationResult, Migrator
from .policy import (
    DEFAULT_ATTRIBUTES,
    AttributeMapping,
    MigrationPolicy,
    OnEmailMatch,
    SyncMode,
    UnverifiedLocalEmail,
    email_verified_flag,
)
from .store import Change, EmailSnapshot, Link, LocalUser, MigrationAction, MigrationEvent, UserStore

if TYPE_CHECKING:
    from .sqlstore import SQLUserStore, StoreStats, create_engine, database_url

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "AlreadyLinked",
    "AttributeMapping",
    "Change",
    "ConcurrentChange",
    "EmailSnapshot",
    "JITError",
    "Link",
    "LinkConflict",
    "LinkRequiresReauthentication",
    "LocalUser",
    "MigrationAction",
    "MigrationEvent",
    "MigrationPolicy",
    "MigrationResult",
    "Migrator",
    "OnEmailMatch",
    "SQLUserStore",
    "StoreError",
    "StoreStats",
    "SyncMode",
    "UnknownLocalUser",
    "UnverifiedLocalEmail",
    "UserCreationDisabled",
    "UserStore",
    "create_engine",
    "database_url",
    "email_verified_flag",
]

_SQL_NAMES = frozenset({"SQLUserStore", "StoreStats", "create_engine", "database_url"})


def __getattr__(name: str) -> Any:
    """Load the SQL store lazily, so ``import idpbridge.jit`` does not need SQLAlchemy."""
    if name in _SQL_NAMES:
        from ..errors import PluginError

        try:
            from . import sqlstore
        except ImportError as exc:
            raise PluginError(
                f"the SQL user store needs SQLAlchemy ({exc.name} is missing)",
                code="plugin.unavailable",
                install_hint='pip install "idpbridge[jit]"',
            ) from exc
        return getattr(sqlstore, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
