"""The migration policy: when to link by email, and which attributes to write when.

The identity key is always ``(issuer, subject)``. Email is only ever a *hint* that an existing
local account may belong to the same person; it is trusted to link automatically only when the IdP
positively verified it (``email_verified is True``) **and** the connector is listed in
:attr:`MigrationPolicy.email_authoritative`. Anything less goes to
:attr:`MigrationPolicy.on_email_match`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError
from ..identity import Identity

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "AttributeMapping",
    "MigrationPolicy",
    "OnEmailMatch",
    "SyncMode",
    "UnverifiedLocalEmail",
    "email_verified_flag",
]

_IDENTITY_FIELDS = frozenset(f.name for f in dataclasses.fields(Identity)) - {"claims", "sources"}


class SyncMode(enum.StrEnum):
    """When an attribute is written (Keycloak's mapper sync modes)."""

    IMPORT_ONCE = "import_once"
    """On the migration that creates the local user; when linking, only where the local value is
    missing. Later logins never overwrite it (for Apple's first-login-only name, or fields people
    edit locally)."""
    ALWAYS = "always"
    """On every migration, whenever the IdP's value differs from the local one."""


class OnEmailMatch(enum.StrEnum):
    """What to do when a local user has the identity's email but the IdP may not vouch for it."""

    CREATE_SEPARATE = "create_separate"
    """Create a new local user; the existing account is left alone."""
    REFUSE = "refuse"
    """Raise :class:`~idpbridge.jit.LinkConflict` (``jit.email_in_use``)."""
    REQUIRE_REAUTHENTICATION = "require_reauthentication"
    """Raise :class:`~idpbridge.jit.LinkRequiresReauthentication` carrying the existing user id;
    after the person signs in to that account, call :meth:`~idpbridge.jit.Migrator.confirm_link`."""


class UnverifiedLocalEmail(enum.StrEnum):
    """Linking by a trusted email to a local account whose own email was never verified locally.

    Someone may have pre-registered the victim's address with a password they know (the attack
    django-allauth's ``wipe_password`` defends against).
    """

    INVALIDATE_CREDENTIALS = "invalidate_credentials"
    """Link, and tell the store (and the result) to make the local password unusable and end the
    account's other sessions."""
    REFUSE = "refuse"
    """Raise :class:`~idpbridge.jit.LinkConflict` (``jit.local_email_unverified``)."""


AttributeSource = str | Callable[[Identity], object]


def email_verified_flag(identity: Identity) -> bool | None:
    """``True``/``False`` for the identity's email (``False`` when the IdP did not say ``true``);
    ``None`` when there is no email. Keeps the local flag consistent with the address written."""
    if identity.email is None:
        return None
    return identity.email_verified is True


def _jsonable(value: object) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class AttributeMapping:
    """Write ``source`` of the identity to the local ``field``, with a :class:`SyncMode`.

    ``source`` is an :class:`~idpbridge.Identity` attribute name (``"email"``, ``"given_name"``,
    ``"groups"``), ``"claims.<name>"`` for a raw claim (dots walk into nested objects:
    ``"claims.address.country"``), or a callable taking the identity. A value of ``None`` (or an
    empty list) is never written: an IdP that stops sending a claim does not blank the local copy.
    Tuples become lists and datetimes ISO 8601 strings, so values are JSON-friendly.
    """

    field: str
    source: AttributeSource
    sync: SyncMode = SyncMode.IMPORT_ONCE

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field:
            raise ConfigurationError("an attribute mapping needs a field name", field="attributes")
        if isinstance(self.source, str):
            ok = self.source in _IDENTITY_FIELDS or (
                self.source.startswith("claims.") and len(self.source) > len("claims.")
            )
            if not ok:
                raise ConfigurationError(
                    f"attribute source {self.source!r} is neither an Identity field nor 'claims.<name>'",
                    field="attributes",
                )
        elif not callable(self.source):
            raise ConfigurationError("an attribute source is a string or a callable", field="attributes")
        object.__setattr__(self, "sync", SyncMode(self.sync))

    def extract(self, identity: Identity) -> Any:
        """The value to write for this identity, or ``None`` for "nothing to write"."""
        if callable(self.source):
            value = self.source(identity)
        elif self.source.startswith("claims."):
            value = identity.claims
            for part in self.source[len("claims.") :].split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
        else:
            value = getattr(identity, self.source)
        if value is None or value == "" or (isinstance(value, tuple | list) and not value):
            return None
        return _jsonable(value)


DEFAULT_ATTRIBUTES: tuple[AttributeMapping, ...] = (
    AttributeMapping("email", "email"),
    AttributeMapping("email_verified", email_verified_flag),
    AttributeMapping("name", "name"),
    AttributeMapping("given_name", "given_name"),
    AttributeMapping("family_name", "family_name"),
)
"""Email, its verified flag and names, all ``import_once``."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MigrationPolicy:
    """How a :class:`~idpbridge.jit.Migrator` decides.

    Args:
        email_authoritative: connector instance names (:attr:`Identity.connector`) whose verified
            email is trusted to link to an existing local account automatically. Empty by default:
            nothing links by email until you say which IdPs own their users' addresses.
        on_email_match: what happens when a local user has the email but automatic linking is not
            allowed (unverified email or non-authoritative connector).
        unverified_local_email: what happens when a trusted email matches a local account whose
            own email was never verified locally.
        match_by_email: look for local users by email at all (``False``: only the identity key).
        create_users: create a local user when nothing matches; ``False`` raises
            :class:`~idpbridge.jit.UserCreationDisabled` (link-only migrations).
        attributes: the attribute mappings; :data:`DEFAULT_ATTRIBUTES` by default.
        record_unchanged: also append an event when nothing changed (one write per login; off by
            default so a returning user costs one indexed read).
    """

    email_authoritative: frozenset[str] = frozenset()
    on_email_match: OnEmailMatch = OnEmailMatch.REQUIRE_REAUTHENTICATION
    unverified_local_email: UnverifiedLocalEmail = UnverifiedLocalEmail.INVALIDATE_CREDENTIALS
    match_by_email: bool = True
    create_users: bool = True
    attributes: tuple[AttributeMapping, ...] = DEFAULT_ATTRIBUTES
    record_unchanged: bool = False

    def __post_init__(self) -> None:
        raw: Iterable[str] = self.email_authoritative
        if isinstance(raw, str):
            raise ConfigurationError(
                "email_authoritative is a set of connector names, not a string", field="email_authoritative"
            )
        object.__setattr__(self, "email_authoritative", frozenset(raw))
        object.__setattr__(self, "on_email_match", OnEmailMatch(self.on_email_match))
        object.__setattr__(self, "unverified_local_email", UnverifiedLocalEmail(self.unverified_local_email))
        attributes = tuple(self.attributes)
        fields = [a.field for a in attributes]
        duplicates = sorted({f for f in fields if fields.count(f) > 1})
        if duplicates:
            raise ConfigurationError(f"attributes map {duplicates} more than once", field="attributes")
        object.__setattr__(self, "attributes", attributes)

    def trusts_email(self, identity: Identity) -> bool:
        """Whether this identity's email may link to an existing account without re-authentication."""
        return identity.email_verified is True and identity.connector in self.email_authoritative
