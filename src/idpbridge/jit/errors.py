"""Errors of just-in-time migration, rooted at :class:`JITError` (an :class:`~idpbridge.IdpBridgeError`).

::

    IdpBridgeError
    └── JITError                         jit.error
        ├── LinkConflict                 the policy forbids linking automatically (``code`` says why)
        ├── LinkRequiresReauthentication a local account owns the email: re-authenticate it, then
        │                                call :meth:`Migrator.confirm_link`
        ├── UserCreationDisabled         no local user matches and the policy does not create users
        ├── UnknownLocalUser             a user id given to the store does not exist
        ├── AlreadyLinked                (from a store) the identity was linked concurrently
        ├── ConcurrentChange             (from a store) what the decision read changed before the write
        └── StoreError                   the user store failed (busy, unavailable, schema too new)

Messages carry local user ids at most, never emails, claims or tokens.
"""

from __future__ import annotations

from typing import Any

from ..errors import IdpBridgeError

__all__ = [
    "AlreadyLinked",
    "ConcurrentChange",
    "JITError",
    "LinkConflict",
    "LinkRequiresReauthentication",
    "StoreError",
    "UnknownLocalUser",
    "UserCreationDisabled",
]


class JITError(IdpBridgeError):
    """Root of the errors raised while migrating an identity into the local user store."""

    default_code = "jit.error"


class LinkConflict(JITError):
    """The identity cannot be linked automatically; the runtime must decide (or show an error).

    Codes: ``jit.email_in_use`` (policy ``refuse``), ``jit.ambiguous_email`` (several local users
    have the email), ``jit.issuer_already_linked`` (the local user is already linked to another
    subject of the same issuer), ``jit.identity_linked_elsewhere`` (confirming a link to a user
    while the identity is linked to another), ``jit.local_email_unverified`` (policy refuses to
    link to a local account whose email was never verified). ``user_ids`` are the local users
    involved.
    """

    default_code = "jit.link_conflict"

    def __init__(self, message: str = "", *, user_ids: tuple[str, ...] = (), **kwargs: Any) -> None:
        details = {"user_ids": list(user_ids), **dict(kwargs.pop("details", None) or {})}
        super().__init__(message, details=details, **kwargs)
        self.user_ids = user_ids


class LinkRequiresReauthentication(JITError):
    """A local account has this email but the IdP is not trusted to prove it.

    Let the person sign in to the existing local account (``user_id``) first, then call
    :meth:`~idpbridge.jit.Migrator.confirm_link` (Keycloak's "verify existing account by
    re-authentication").
    """

    default_code = "jit.reauthentication_required"

    def __init__(self, message: str = "", *, user_id: str, **kwargs: Any) -> None:
        super().__init__(message, details={"user_id": user_id}, **kwargs)
        self.user_id = user_id


class UserCreationDisabled(JITError):
    """No local user matches the identity and the policy does not create users."""

    default_code = "jit.creation_disabled"


class UnknownLocalUser(JITError):
    """The local user ``user_id`` does not exist (deleted, or a wrong id was passed)."""

    default_code = "jit.unknown_user"

    def __init__(self, message: str = "", *, user_id: str, **kwargs: Any) -> None:
        super().__init__(message or f"local user {user_id!r} does not exist", **kwargs)
        self.user_id = user_id


class AlreadyLinked(JITError):
    """Raised by a :class:`~idpbridge.jit.UserStore` write when ``(issuer, subject)`` is linked already.

    The :class:`~idpbridge.jit.Migrator` treats it as a lost race and re-reads; it only escapes
    when the race repeats beyond the retry budget (as :class:`StoreError` ``jit.store.contention``).
    """

    default_code = "jit.already_linked"

    def __init__(self, message: str = "", *, user_id: str, **kwargs: Any) -> None:
        super().__init__(message or f"identity already linked to local user {user_id!r}", **kwargs)
        self.user_id = user_id


class ConcurrentChange(JITError):
    """Raised by a :class:`~idpbridge.jit.UserStore` write whose premise no longer holds.

    The store re-checks, inside the write's transaction and under a lock, what the migrator's
    decision was based on: the users that have the email (:class:`~idpbridge.jit.EmailSnapshot`)
    and, when linking, that the user has no other link for the issuer. If another worker changed
    either meanwhile, nothing is written and this is raised; the :class:`~idpbridge.jit.Migrator`
    then decides again from fresh reads (as for :class:`AlreadyLinked`), so concurrent migrations
    end exactly as the same migrations run one at a time.
    """

    default_code = "jit.concurrent_change"


class StoreError(JITError):
    """The user store failed.

    Codes: ``jit.store.busy`` and ``jit.store.unavailable`` (retryable), ``jit.store.contention``
    (retryable: the same identity or email kept changing under us), ``jit.store.schema`` (the
    database has a newer schema than this idpbridge understands, or an older one it cannot
    upgrade because its data breaks a rule the new schema enforces), ``jit.store.unsupported``
    (database dialect).
    """

    default_code = "jit.store.error"
