"""The :class:`Migrator`: turn an authenticated identity into a created, linked or updated local user.

Decision order for :meth:`Migrator.migrate`:

1. ``(issuer, subject)`` already linked → write the ``always`` attributes that changed
   (``updated``) or nothing at all (``unchanged``: one indexed read, no write).
2. Local users with the same email (exact match) and the policy trusts the email (verified by an
   authoritative connector) → link to that user (``linked``), unless that is ambiguous or the
   user already has another subject of this issuer (:class:`LinkConflict`).
3. Local users with the email, email not trusted → ``policy.on_email_match``: create a separate
   user, refuse, or :class:`LinkRequiresReauthentication`.
4. Nothing matches → create (``created``) or :class:`UserCreationDisabled`.

Every write carries its premise and the store re-checks it inside the write's transaction, under
a lock: the identity key is still free (else :class:`AlreadyLinked`), the user still has no link
for this issuer, and the users with the email are still the ones read (an :class:`EmailSnapshot`;
else :class:`ConcurrentChange`). On either error nothing was written and the migrator starts again
from step 1, so racing calls end as the same calls run one at a time: one user and one link per
identity, one link per (user, issuer), and one user created per email decision.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import inspect
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .. import _otel
from ..identity import Identity
from ..outcomes import Authenticated
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
from .policy import MigrationPolicy, OnEmailMatch, SyncMode, UnverifiedLocalEmail
from .store import Change, EmailSnapshot, Link, LocalUser, MigrationAction, MigrationEvent, UserStore

__all__ = ["MigrationResult", "Migrator"]

log = logging.getLogger("idpbridge.jit")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MigrationResult:
    """What :meth:`Migrator.migrate` did.

    ``user_id`` is the local user (``None`` only for a dry-run create). ``changes`` lists the
    attributes written. ``decision_trace`` explains the decision step by step, for logs and
    support (ids only, no emails, claims or tokens). ``invalidate_credentials`` is ``True`` when a
    link by email went to a local account whose email was never verified: the runtime should end
    that account's other sessions (the store was told to make its password unusable).
    """

    action: MigrationAction
    user_id: str | None
    changes: tuple[Change, ...] = ()
    decision_trace: tuple[str, ...] = ()
    dry_run: bool = False
    invalidate_credentials: bool = False


@dataclasses.dataclass
class _Run:
    identity: Identity
    dry_run: bool
    trace: list[str] = dataclasses.field(default_factory=list)


class Migrator:
    """Apply a :class:`MigrationPolicy` to authenticated identities against a :class:`UserStore`.

    Stateless apart from its arguments: share one instance across tasks and workers.
    """

    def __init__(
        self,
        store: UserStore,
        policy: MigrationPolicy | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        max_attempts: int = 5,
    ) -> None:
        self.store = store
        self.policy = policy or MigrationPolicy()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._max_attempts = max(1, max_attempts)
        self._takes_expect: dict[str, bool] = {}

    async def migrate(
        self, authenticated: Authenticated | Identity, *, dry_run: bool = False
    ) -> MigrationResult:
        """Create, link or update the local user for this identity; see the module docs.

        With ``dry_run`` nothing is written (no user, link or event) and the result says what
        would happen. Raises a :class:`~idpbridge.jit.JITError` when the policy forbids an
        automatic decision.
        """
        run = _Run(_identity(authenticated), dry_run)
        return await self._retrying(run, lambda: self._decide(run))

    async def confirm_link(
        self, authenticated: Authenticated | Identity, user_id: str, *, dry_run: bool = False
    ) -> MigrationResult:
        """Link this identity to ``user_id`` after the runtime re-authenticated that local account.

        The answer to :class:`LinkRequiresReauthentication`. Idempotent: an identity already
        linked to ``user_id`` gives ``updated``/``unchanged``; linked to someone else,
        :class:`LinkConflict` (``jit.identity_linked_elsewhere``).
        """
        run = _Run(_identity(authenticated), dry_run)
        return await self._retrying(run, lambda: self._confirm(run, str(user_id)))

    # -- decision steps -------------------------------------------------------------------------

    async def _retrying(self, run: _Run, step: Callable[[], Any]) -> MigrationResult:
        for _ in range(self._max_attempts):
            try:
                result: MigrationResult = await step()
            except AlreadyLinked as race:
                run.trace.append(f"race: identity linked concurrently to user {race.user_id}; re-reading")
                continue
            except ConcurrentChange as race:
                run.trace.append(f"race: {race.message}; re-reading")
                continue
            return result
        raise StoreError(
            f"identity or email kept changing concurrently; gave up after {self._max_attempts} attempts",
            code="jit.store.contention",
            retryable=True,
        )

    async def _decide(self, run: _Run) -> MigrationResult:
        identity = run.identity
        linked = await self.store.get_linked(identity.issuer, identity.subject)
        if linked is not None:
            run.trace.append(
                f"identity ({identity.issuer}, {identity.subject}) is linked to user {linked.id}"
            )
            return await self._update(run, linked)
        run.trace.append(f"identity ({identity.issuer}, {identity.subject}) is not linked")
        candidates: Sequence[LocalUser] = ()
        if self.policy.match_by_email and identity.email is not None:
            candidates = await self.store.find_by_email(identity.email)
            run.trace.append(f"{len(candidates)} local user(s) have the identity's email")
        if not candidates:
            # The decision rests on "nobody has this email": the store re-checks it under a lock.
            email = identity.email if self.policy.match_by_email else None
            return await self._create(run, None if email is None else EmailSnapshot(email))
        # A concurrent migration of this same identity may have committed its user (which has this
        # email) between the two reads above: look again before treating the email as a match.
        linked = await self.store.get_linked(identity.issuer, identity.subject)
        if linked is not None:
            run.trace.append(f"race: identity linked concurrently to user {linked.id}")
            return await self._update(run, linked)
        trusted = self.policy.trusts_email(identity)
        run.trace.append(_trust_reason(identity, trusted))
        ids = tuple(u.id for u in candidates)
        if trusted:
            if len(candidates) > 1:
                error = LinkConflict(
                    "several local users have this email", user_ids=ids, code="jit.ambiguous_email"
                )
                raise await self._refusal(run, error)
            expect = EmailSnapshot(identity.email or "", ids)
            return await self._link(run, candidates[0], by_email=True, expect=expect)
        mode = self.policy.on_email_match
        run.trace.append(f"policy on_email_match={mode.value}")
        if mode is OnEmailMatch.CREATE_SEPARATE:
            return await self._create(run)
        if mode is OnEmailMatch.REFUSE or len(candidates) > 1:
            code = "jit.email_in_use" if len(candidates) == 1 else "jit.ambiguous_email"
            raise await self._refusal(
                run, LinkConflict("a local account already uses this email", user_ids=ids, code=code)
            )
        raise await self._refusal(
            run,
            LinkRequiresReauthentication(
                f"sign in to local user {ids[0]} to link this identity", user_id=ids[0]
            ),
        )

    async def _confirm(self, run: _Run, user_id: str) -> MigrationResult:
        identity = run.identity
        linked = await self.store.get_linked(identity.issuer, identity.subject)
        if linked is not None:
            if linked.id != user_id:
                error = LinkConflict(
                    f"identity is linked to another user ({linked.id})",
                    user_ids=(linked.id, user_id),
                    code="jit.identity_linked_elsewhere",
                )
                raise await self._refusal(run, error)
            run.trace.append(f"identity already linked to user {user_id}")
            return await self._update(run, linked)
        user = await self.store.get_user(user_id)
        if user is None:
            raise UnknownLocalUser(user_id=user_id)
        run.trace.append(f"local user {user_id} re-authenticated by the runtime")
        return await self._link(run, user, by_email=False)

    async def _update(self, run: _Run, user: LocalUser) -> MigrationResult:
        changes = self._plan(run.identity, user.attributes, create=False, link=False)
        if not changes:
            run.trace.append("no attribute changed")
            if self.policy.record_unchanged and not run.dry_run:
                await self.store.record_event(self._event(run, MigrationAction.UNCHANGED, user.id))
            return self._result(run, MigrationAction.UNCHANGED, user.id)
        run.trace.append(f"updating {', '.join(c.field for c in changes)}")
        if not run.dry_run:
            event = self._event(run, MigrationAction.UPDATED, user.id, changes=changes)
            with _vanished(user.id):
                await self.store.update_user(user.id, _values(changes), event)
        return self._result(run, MigrationAction.UPDATED, user.id, changes)

    async def _link(
        self, run: _Run, user: LocalUser, *, by_email: bool, expect: EmailSnapshot | None = None
    ) -> MigrationResult:
        identity = run.identity
        if identity.issuer in user.linked_issuers:
            error = LinkConflict(
                "the local user is linked to another account at this IdP",
                user_ids=(user.id,),
                code="jit.issuer_already_linked",
            )
            raise await self._refusal(run, error)
        invalidate = by_email and user.email_verified is not True
        if invalidate:
            mode = self.policy.unverified_local_email
            run.trace.append(f"local user {user.id} never verified its email: {mode.value}")
            if mode is UnverifiedLocalEmail.REFUSE:
                error = LinkConflict(
                    "the local account's email was never verified",
                    user_ids=(user.id,),
                    code="jit.local_email_unverified",
                )
                raise await self._refusal(run, error)
        changes = self._plan(identity, user.attributes, create=False, link=True)
        run.trace.append(f"linking to user {user.id}")
        if not run.dry_run:
            event = self._event(run, MigrationAction.LINKED, user.id, changes=changes)
            with _vanished(user.id):
                await self.store.link_user(
                    user.id,
                    self._link_key(identity),
                    _values(changes),
                    event,
                    invalidate_credentials=invalidate,
                    **self._expect("link_user", expect),
                )
        return self._result(run, MigrationAction.LINKED, user.id, changes, invalidate=invalidate)

    async def _create(self, run: _Run, expect: EmailSnapshot | None = None) -> MigrationResult:
        if not self.policy.create_users:
            raise await self._refusal(
                run, UserCreationDisabled("no local user matches and creation is disabled")
            )
        changes = self._plan(run.identity, {}, create=True, link=False)
        if run.dry_run:
            run.trace.append("would create a local user")
            return self._result(run, MigrationAction.CREATED, None, changes)
        event = self._event(run, MigrationAction.CREATED, None, changes=changes)
        user_id = await self.store.create_user(
            self._link_key(run.identity), _values(changes), event, **self._expect("create_user", expect)
        )
        run.trace.append(f"created local user {user_id}")
        return self._result(run, MigrationAction.CREATED, str(user_id), changes)

    async def _refusal(self, run: _Run, error: JITError) -> JITError:
        """Record the refusal (unless dry-run) and return the error for the caller to raise."""
        run.trace.append(f"refused: {error.code}")
        if _otel.STATE is not None and not run.dry_run:
            _otel.jit_action("refused", run.identity.connector, run.identity.provider, error.code)
        error.details = {**error.details, "decision_trace": list(run.trace)}
        if not run.dry_run:
            user_ids = list(error.details.get("user_ids") or [error.details.get("user_id")])
            event = self._event(run, "refused", user_ids[0], code=error.code)
            try:
                await self.store.record_event(event)
            except JITError as exc:  # the decision matters more than its audit record
                log.warning("could not record refused migration: %s", exc.code)
        return error

    # -- helpers --------------------------------------------------------------------------------

    def _expect(self, method: str, expect: EmailSnapshot | None) -> dict[str, Any]:
        """``{"expect": …}`` for the store write, unless the store predates the parameter.

        Such a store still works, but cannot re-check email decisions: racing first logins that
        share an email may then create several users (logged once per method).
        """
        takes = self._takes_expect.get(method)
        if takes is None:
            takes = self._takes_expect[method] = _accepts_expect(getattr(self.store, method))
            if not takes:
                log.warning(
                    "%s.%s() takes no 'expect' argument: email decisions are not re-checked at write "
                    "time, so concurrent first logins sharing an email can race (see docs/jit.md)",
                    type(self.store).__name__,
                    method,
                )
        return {"expect": expect} if takes else {}

    def _plan(self, identity: Identity, current: Any, *, create: bool, link: bool) -> tuple[Change, ...]:
        changes = []
        for mapping in self.policy.attributes:
            value = mapping.extract(identity)
            if value is None:
                continue
            before = current.get(mapping.field)
            if create:
                write = True
            elif link:
                write = mapping.sync is SyncMode.ALWAYS or before is None
            else:
                write = mapping.sync is SyncMode.ALWAYS
            if write and (create or before != value):
                changes.append(Change(mapping.field, before, value))
        return tuple(changes)

    @staticmethod
    def _link_key(identity: Identity) -> Link:
        return Link(
            issuer=identity.issuer,
            subject=identity.subject,
            connector=identity.connector,
            provider=identity.provider,
        )

    def _event(
        self,
        run: _Run,
        action: MigrationAction | str,
        user_id: str | None,
        *,
        changes: tuple[Change, ...] = (),
        code: str | None = None,
    ) -> MigrationEvent:
        identity = run.identity
        return MigrationEvent(
            at=self._clock(),
            connector=identity.connector,
            provider=identity.provider,
            issuer=identity.issuer,
            subject=identity.subject,
            action=str(action),
            user_id=user_id,
            code=code,
            fields=tuple(c.field for c in changes),
        )

    @staticmethod
    def _result(
        run: _Run,
        action: MigrationAction,
        user_id: str | None,
        changes: tuple[Change, ...] = (),
        *,
        invalidate: bool = False,
    ) -> MigrationResult:
        if _otel.STATE is not None and not run.dry_run:
            _otel.jit_action(action.value, run.identity.connector, run.identity.provider)
        return MigrationResult(
            action=action,
            user_id=user_id,
            changes=changes,
            decision_trace=tuple(run.trace),
            dry_run=run.dry_run,
            invalidate_credentials=invalidate,
        )


def _identity(value: Authenticated | Identity) -> Identity:
    if isinstance(value, Authenticated):
        return value.identity
    if isinstance(value, Identity):
        return value
    raise TypeError(f"expected Authenticated or Identity, got {type(value).__name__}")


@contextlib.contextmanager
def _vanished(user_id: str) -> Iterator[None]:
    """A user read a moment ago that is gone at write time is a concurrent change: decide again."""
    try:
        yield
    except UnknownLocalUser as exc:
        if exc.user_id != user_id:
            raise
        raise ConcurrentChange(f"local user {user_id} was deleted") from exc


def _accepts_expect(method: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):  # no introspectable signature: assume the current protocol
        return True
    return any(p.name == "expect" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _values(changes: tuple[Change, ...]) -> dict[str, Any]:
    return {c.field: c.after for c in changes}


def _trust_reason(identity: Identity, trusted: bool) -> str:
    if trusted:
        return f"email trusted: verified by authoritative connector {identity.connector!r}"
    if identity.email_verified is not True:
        return f"email not trusted: email_verified is {identity.email_verified!r}"
    return f"email not trusted: connector {identity.connector!r} is not authoritative for email"
