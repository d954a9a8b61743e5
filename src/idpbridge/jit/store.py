"""The :class:`UserStore` protocol: what the migrator needs from a local user table.

Three reads and four writes. Each write is **atomic** (one transaction) and race-safe:

* the identity key ``(issuer, subject)`` is unique (a primary key or unique constraint); a write
  that finds it linked raises :class:`~idpbridge.jit.AlreadyLinked` with the owning user id;
* a user has at most one link per issuer: ``link_user`` re-checks it under a lock on the user and
  raises :class:`~idpbridge.jit.ConcurrentChange` if another subject of the issuer got there first;
* a write given an :class:`EmailSnapshot` re-checks it under a lock on the email (or with all
  writes serialized) and raises :class:`~idpbridge.jit.ConcurrentChange` if it no longer holds.

Nothing is written when they raise; the migrator then decides again from fresh reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Change",
    "EmailSnapshot",
    "Link",
    "LocalUser",
    "MigrationAction",
    "MigrationEvent",
    "UserStore",
]


class MigrationAction(enum.StrEnum):
    """What a migration did (or, with ``dry_run``, would do)."""

    CREATED = "created"
    LINKED = "linked"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LocalUser:
    """A local user as the store sees it.

    Args:
        id: the local user id, as a string.
        attributes: current values of the fields the policy maps (missing or ``None`` = unset).
        email_verified: whether the *local* system verified this account's email (``None``:
            unknown). Linking by email to an account where this is not ``True`` triggers the
            :class:`~idpbridge.jit.UnverifiedLocalEmail` defence.
        linked_issuers: issuers this user already has a link for. ``find_by_email`` and
            ``get_user`` must fill it; ``get_linked`` may leave it empty.
    """

    id: str
    attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    email_verified: bool | None = None
    linked_issuers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))
        object.__setattr__(self, "linked_issuers", tuple(self.linked_issuers))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """The link to write: identity key plus the connector and provider that produced it."""

    issuer: str
    subject: str
    connector: str
    provider: str


@dataclasses.dataclass(frozen=True, slots=True)
class EmailSnapshot:
    """What a decision read about an email: the ids of the local users that have it, exactly.

    Given to ``create_user`` (no user had the email, so a new one is created) and to ``link_user``
    (exactly one user had it, so the identity links to that user). The store takes a lock keyed by
    ``email`` (PostgreSQL: a transaction-scoped advisory lock; SQLite: ``BEGIN IMMEDIATE``), reads
    the users with that email again, and raises :class:`~idpbridge.jit.ConcurrentChange` unless
    their ids are exactly ``user_ids``. Every write that stores an email takes the same lock.
    """

    email: str
    user_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_ids", tuple(sorted(str(u) for u in self.user_ids)))

    def __repr__(self) -> str:  # the address is personal data: keep it out of logs
        return f"EmailSnapshot(email=<hidden>, user_ids={self.user_ids!r})"


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One attribute written (or, with ``dry_run``, that would be written)."""

    field: str
    before: Any
    after: Any


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MigrationEvent:
    """One decision, for the store's append-only audit trail. Holds no secrets and no values.

    ``action`` is a :class:`MigrationAction` value, or ``"refused"`` with the error's ``code``.
    ``fields`` names the attributes written (names only). ``user_id`` is ``None`` on a create until
    the store assigns the id (it fills it in with :func:`dataclasses.replace`).
    """

    at: dt.datetime
    connector: str
    provider: str
    issuer: str
    subject: str
    action: str
    user_id: str | None = None
    code: str | None = None
    fields: tuple[str, ...] = ()


@runtime_checkable
class UserStore(Protocol):
    """Persistence for just-in-time migration. Implement it over your own users table.

    ``values`` given to writes map local field names to new values (only the fields to write).
    Writes also receive the :class:`MigrationEvent` to append in the same transaction; a store
    without an events table may log it instead.
    """

    async def get_linked(self, issuer: str, subject: str) -> LocalUser | None:
        """The user linked to ``(issuer, subject)``, or ``None``. The hot path: one indexed read."""
        ...

    async def get_user(self, user_id: str) -> LocalUser | None:
        """The user with this id (``linked_issuers`` filled), or ``None``."""
        ...

    async def find_by_email(self, email: str) -> Sequence[LocalUser]:
        """Users whose email equals ``email`` exactly (``linked_issuers`` filled); usually 0 or 1."""
        ...

    async def create_user(
        self,
        link: Link,
        values: Mapping[str, Any],
        event: MigrationEvent,
        *,
        expect: EmailSnapshot | None = None,
    ) -> str:
        """Atomically create a user with ``values`` and ``link``; return the new id.

        Raises :class:`~idpbridge.jit.AlreadyLinked` (and creates nothing) if the key is linked,
        and :class:`~idpbridge.jit.ConcurrentChange` if ``expect`` no longer holds.
        """
        ...

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
        """Atomically link an existing user and write ``values``.

        With ``invalidate_credentials``, also make the user's local password unusable and end
        their sessions. Raises :class:`~idpbridge.jit.AlreadyLinked` if the key is linked (to
        anyone), :class:`~idpbridge.jit.UnknownLocalUser` if the user does not exist, and
        :class:`~idpbridge.jit.ConcurrentChange` if the user already has a link for
        ``link.issuer`` (checked with the user locked) or ``expect`` no longer holds.
        """
        ...

    async def update_user(self, user_id: str, values: Mapping[str, Any], event: MigrationEvent) -> None:
        """Atomically write ``values`` to an existing user (others' fields untouched)."""
        ...

    async def record_event(self, event: MigrationEvent) -> None:
        """Append an event that comes with no write (a refusal; ``unchanged`` when configured)."""
        ...
