"""Event hooks: what each ``authenticate()`` call did, as a redacted :class:`AuthEvent`.

A journey runtime records analytics from these instead of parsing logs. Register callables on a
connector (``connector.hooks.on_outcome(fn)``, ``connect(..., hooks=Hooks(...))``) or for every
connector of the process (:data:`hooks`). A hook may be a plain function or a coroutine function;
it runs after the call, on the connector's event loop (the sync facade's loop thread for a
:class:`~idpbridge.SyncConnector`), before ``authenticate()`` returns or raises, so keep it fast
and hand slow work to a queue. A hook that raises is logged (its name and the exception type,
never the message, on the ``idpbridge.hooks`` logger) and the login goes on.

Cost: with no hook registered anywhere and OpenTelemetry not enabled, ``authenticate()`` pays one
module-attribute check (:data:`ENABLED`) and nothing else.
"""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Literal

from . import _otel, _retry
from .errors import IdpBridgeError, sanitize
from .outcomes import Authenticated

if TYPE_CHECKING:
    from .connector import Connector
    from .methods import Request
    from .outcomes import Outcome

__all__ = ["ENABLED", "AuthEvent", "Hook", "Hooks", "Observation", "hooks", "note_retry", "observe"]

log = logging.getLogger("idpbridge.hooks")

#: Whether anything observes ``authenticate()``: a hook is registered on some :class:`Hooks`, or
#: OpenTelemetry is enabled. Checked once per call; when false nothing else runs.
ENABLED = False

#: A hook: called with the event; may return an awaitable (awaited before the call returns).
Hook = Callable[["AuthEvent"], Awaitable[None] | None]

Outcome_ = Literal[
    "authenticated",
    "redirect_required",
    "code_sent",
    "input_required",
    "post_required",
    "device_code_issued",
    "device_pending",
    "error",
]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AuthEvent:
    """What one ``authenticate()`` call did. Never a secret, token, code or continuation.

    Attributes:
        connector: the connector instance name.
        provider: the provider's registry name (``"okta"``, ``"oidc"``, …).
        method: the :class:`~idpbridge.Method` value (``"password"``, ``"email_otp"``, …); for a
            resuming request, the method of its continuation (``None`` when it could not be opened).
        step: the request type in snake case (``"password"``, ``"verify_otp"``, ``"answer"``, …).
        outcome: ``"authenticated"``, ``"redirect_required"``, ``"code_sent"``,
            ``"input_required"``, … or ``"error"``.
        duration: seconds the call took.
        started_at: when it started (POSIX seconds).
        error_code: the stable :attr:`~idpbridge.IdpBridgeError.code` (``"unexpected"`` for an
            exception that is not an idpbridge error); ``None`` on success.
        error_type: the exception class name (``"InvalidCredentials"``).
        provider_code: the IdP's own (sanitized) error code, when it sent one.
        retryable: the error's retry hint.
        retries: request attempts repeated by the retry policy during the call.
        issuer, subject: the identity's stable key, on ``"authenticated"`` only. The subject is a
            pseudonymous identifier, not a secret; hash it if your analytics must not hold it.
            Usernames and e-mail addresses are never included (a user may type a password into
            the username field).
    """

    connector: str
    provider: str
    method: str | None
    step: str
    outcome: Outcome_
    duration: float
    started_at: float
    error_code: str | None = None
    error_type: str | None = None
    provider_code: str | None = None
    retryable: bool | None = None
    retries: int = 0
    issuer: str | None = None
    subject: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call returned an outcome (did not raise)."""
        return self.outcome != "error"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return dataclasses.asdict(self)


_live_registries = 0  # Hooks objects holding at least one hook


def _refresh() -> None:
    global ENABLED  # noqa: PLW0603 - the one cheap switch authenticate() reads
    ENABLED = _live_registries > 0 or _otel.STATE is not None
    _retry.RETRY_LISTENER = note_retry if ENABLED else None


class Hooks:
    """Callables run after ``authenticate()``: :meth:`on_outcome` on success, :meth:`on_error` on failure.

    Both registration methods return the callable, so they work as decorators. One ``Hooks`` may
    be shared by several connectors (``load(..., hooks=...)``).
    """

    __slots__ = ("_error", "_outcome")

    def __init__(self, *, on_outcome: Iterable[Hook] = (), on_error: Iterable[Hook] = ()) -> None:
        self._outcome: tuple[Hook, ...] = ()
        self._error: tuple[Hook, ...] = ()
        for fn in on_outcome:
            self.on_outcome(fn)
        for fn in on_error:
            self.on_error(fn)

    def on_outcome(self, fn: Hook) -> Hook:
        """Call ``fn(event)`` after every call that returned an outcome."""
        self._set(outcome=(*self._outcome, _checked(fn)))
        return fn

    def on_error(self, fn: Hook) -> Hook:
        """Call ``fn(event)`` after every call that raised (the exception still propagates)."""
        self._set(error=(*self._error, _checked(fn)))
        return fn

    def remove(self, fn: Hook) -> None:
        """Unregister ``fn`` (wherever it is registered here; no error if it is not)."""
        self._set(
            outcome=tuple(h for h in self._outcome if h is not fn),
            error=tuple(h for h in self._error if h is not fn),
        )

    def clear(self) -> None:
        """Unregister every hook."""
        self._set(outcome=(), error=())

    def __del__(self) -> None:
        try:
            if self:
                self._set(outcome=(), error=())
        except Exception:  # noqa: S110 - interpreter shutdown: nothing left to switch off
            pass

    def __bool__(self) -> bool:
        return bool(self._outcome or self._error)

    def __repr__(self) -> str:
        return f"Hooks(on_outcome={len(self._outcome)}, on_error={len(self._error)})"

    def _set(self, *, outcome: tuple[Hook, ...] | None = None, error: tuple[Hook, ...] | None = None) -> None:
        global _live_registries  # noqa: PLW0603 - counts registries with hooks, for ENABLED
        before = bool(self)
        if outcome is not None:
            self._outcome = outcome
        if error is not None:
            self._error = error
        _live_registries += bool(self) - before
        _refresh()

    async def _run(self, event: AuthEvent) -> None:
        for fn in self._outcome if event.ok else self._error:
            try:
                result = fn(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # a broken hook must never break the login
                # its type only: the message is the hook's own text, which redaction cannot vouch for
                log.warning("event hook %s failed: %s", _name(fn), _name(type(exc)))


hooks = Hooks()
"""The process-wide hooks: run for every connector, before the connector's own."""


def _checked(fn: Hook) -> Hook:
    if not callable(fn):
        raise TypeError(f"a hook must be callable, got {type(fn).__name__}")
    return fn


def _name(fn: object) -> str:
    return sanitize(getattr(fn, "__qualname__", None) or type(fn).__name__, limit=80)


# ---------------------------------------------------------------------------------------------
# One observed call


class Observation:
    """The mutable record of one observed ``authenticate()`` call (retries count into it)."""

    __slots__ = ("connector", "retries")

    def __init__(self, connector: str) -> None:
        self.connector = connector
        self.retries = 0


#: The call being observed in this task, if any (read by the retry loop and the HTTP spans).
CURRENT: contextvars.ContextVar[Observation | None] = contextvars.ContextVar(
    "idpbridge_observation", default=None
)


def note_retry() -> None:
    """Count one retried attempt into the observed call (called by the retry loop, on retries only)."""
    current = CURRENT.get()
    if current is not None:
        current.retries += 1
    if _otel.STATE is not None:
        _otel.note_retry()


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")
_snake_cache: dict[type, str] = {}


def snake(kind: type) -> str:
    """``FinishOIDC`` -> ``finish_oidc``, ``CodeSent`` -> ``code_sent`` (memoized per type)."""
    name = _snake_cache.get(kind)
    if name is None:
        text = kind.__name__
        for acronym in ("TOTP", "OIDC", "OTP", "SAML"):  # TOTP before OTP
            text = text.replace(acronym, acronym.title())
        name = _snake_cache[kind] = _SNAKE.sub("_", text).lower()
    return name


def _method(connector: Connector[Any], request: Request) -> str | None:
    method = getattr(request, "method", None)  # not a Request at all: the call says so (InvalidRequest)
    if isinstance(method, enum.Enum):
        return str(method.value)
    otp = getattr(request, "otp_method", None)
    if otp is not None:
        return str(otp.value)
    token = getattr(request, "continuation", None)
    if token is None:
        return None
    try:  # a resuming request: its continuation knows (opening does not consume it)
        return connector.continuations.open(token).method
    except Exception:  # tampered, expired, foreign: the call itself reports it
        return None


async def observe(connector: Connector[Any], request: Request, call: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Await ``call`` (the connector's ``authenticate`` body) and report it to hooks and OTel."""
    own: Hooks = getattr(connector, "hooks", None) or _EMPTY
    otel = _otel.STATE
    if not (own or hooks or otel is not None):
        return await call  # hooks registered on another connector only
    method = _method(connector, request)
    observation = Observation(connector.instance_name)
    reset = CURRENT.set(observation)
    span = otel.start(connector, request, method) if otel is not None else None
    started, t0 = time.time(), time.perf_counter()
    fields: dict[str, Any]
    try:
        outcome = await call
    except Exception as exc:
        fields = _error_fields(exc)
        failure: BaseException | None = exc
    except BaseException:  # cancelled: no event, but never leave the span open
        if otel is not None and span is not None:
            otel.cancel(span)
        raise
    else:
        failure = None
        kind = snake(type(outcome))
        fields = {"outcome": kind}
        if isinstance(outcome, Authenticated):
            fields["issuer"], fields["subject"] = outcome.identity.issuer, outcome.identity.subject
            method = outcome.method.value
    finally:
        CURRENT.reset(reset)
    event = AuthEvent(
        connector=connector.instance_name,
        provider=connector.name,
        method=method,
        step=snake(type(request)),
        duration=time.perf_counter() - t0,
        started_at=started,
        retries=observation.retries,
        **fields,
    )
    if otel is not None and span is not None:
        otel.finish(span, event)
    if hooks:
        await hooks._run(event)
    if own:
        await own._run(event)
    if failure is not None:
        raise failure
    return outcome


def _error_fields(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, IdpBridgeError):
        return {
            "outcome": "error",
            "error_code": exc.code,
            "error_type": type(exc).__name__,
            "provider_code": exc.provider_code,
            "retryable": exc.retryable,
        }
    return {"outcome": "error", "error_code": "unexpected", "error_type": type(exc).__name__}


_EMPTY = Hooks()
