"""When a failed request may be tried again (:class:`RetryPolicy`), and ``Retry-After`` parsing.

Re-exported by :mod:`idpbridge.http`, which runs the policy (with tenacity). This module knows no
transport library: each transport registers a classifier (:func:`register_transport`) that says
whether an exception is one of its failures and whether the request certainly never left
(:mod:`idpbridge.http` for httpx, the Cognito API for botocore), and
:meth:`RetryPolicy.should_retry` asks them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from .errors import ConfigurationError

__all__ = [
    "NO_RETRY",
    "RETRY_AFTER_CAP",
    "RetryPolicy",
    "RetryableStatus",
    "TransportKind",
    "parse_retry_after",
    "register_transport",
    "transport_kind",
]

#: What a transport failure was: ``"unsent"`` (the request certainly never reached the server: a
#: connect failure) or ``"transport"`` (it may have: a read timeout, a dropped connection).
TransportKind = Literal["unsent", "transport"]

T = TypeVar("T")

_classifiers: list[Callable[[BaseException], TransportKind | None]] = []

#: Called once per retried attempt while something observes calls (set by ``_events``), else ``None``.
RETRY_LISTENER: Callable[[], None] | None = None


def register_transport(classify: Callable[[BaseException], TransportKind | None]) -> None:
    """Teach :meth:`RetryPolicy.should_retry` one transport library's failures (idempotent).

    ``classify`` returns a :data:`TransportKind` for an exception of its library, else ``None``.
    """
    if classify not in _classifiers:
        _classifiers.append(classify)


def transport_kind(failure: BaseException) -> TransportKind | None:
    """What kind of transport failure ``failure`` is, by the registered classifiers (``None``: none)."""
    for classify in _classifiers:
        kind = classify(failure)
        if kind is not None:
            return kind
    return None


#: The longest ``Retry-After`` believed, in seconds (a day), whichever form the IdP used.
RETRY_AFTER_CAP = 86400.0


class RetryableStatus(Exception):
    """Internal: one attempt ended with a status (429/5xx) the retry policy may act on."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed request may be tried again, and how long to wait.

    Immutable; use :meth:`replace` to derive another. Idempotent requests (discovery, JWKS,
    userinfo) retry on connect/read failures, on ``statuses`` and on 429, with jittered
    exponential backoff. Requests that submit a credential (password, OTP, authorization code)
    retry only when the request certainly never reached the IdP (a connect failure) or when the
    IdP explicitly asked us to come back (429/503 *with* ``Retry-After``).
    """

    attempts: int = 3
    backoff: float = 0.2
    backoff_max: float = 2.0
    jitter: float = 0.25
    retry_after_max: float = 10.0
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    credential_statuses: frozenset[int] = frozenset({429, 503})

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigurationError("retry attempts must be at least 1", field="retry.attempts")

    def replace(self, **changes: Any) -> RetryPolicy:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def should_retry(self, failure: BaseException, *, idempotent: bool) -> bool:
        """Whether ``failure`` (an exception raised by one attempt) may be retried."""
        if isinstance(failure, RetryableStatus):
            if failure.retry_after is not None and failure.retry_after > self.retry_after_max:
                return False  # coming back sooner than asked is pointless; let the caller wait
            if idempotent:
                return failure.status in self.statuses
            return failure.status in self.credential_statuses and failure.retry_after is not None
        kind = transport_kind(failure)
        if kind == "unsent":
            return True  # never reached the server
        return bool(idempotent and kind == "transport")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1).

        A ``Retry-After`` the IdP sent is honoured exactly (a longer one than
        ``retry_after_max`` is not retried at all); otherwise jittered exponential backoff.
        """
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), self.retry_after_max))
        base = min(self.backoff * (2 ** (attempt - 1)), self.backoff_max)
        return float(base * (1 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311 - jitter

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> T:
        """Await ``attempt()`` until it succeeds, :meth:`should_retry` refuses, or attempts run out.

        The one retry loop of idpbridge (HTTP and boto3 calls alike). An attempt signals a status
        the policy may act on by raising :class:`RetryableStatus`; the last failure is re-raised.
        """

        # The first attempt runs without tenacity's machinery: nearly every call succeeds at once,
        # and building the retry state per request cost as much as the rest of the client code.
        try:
            return await attempt()
        except Exception as failure:
            if self.attempts <= 1 or not self.should_retry(failure, idempotent=idempotent):
                raise
            first = failure
        if RETRY_LISTENER is not None:  # a retry is about to happen
            RETRY_LISTENER()
        await sleep(self.delay(1, first.retry_after if isinstance(first, RetryableStatus) else None))

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            retry_after = failure.retry_after if isinstance(failure, RetryableStatus) else None
            if RETRY_LISTENER is not None:  # tenacity asks for the wait only when it will retry
                RETRY_LISTENER()
            return self.delay(state.attempt_number + 1, retry_after)  # attempt 1 ran above

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts - 1),
            wait=wait,
            retry=retry_if_exception(lambda failure: self.should_retry(failure, idempotent=idempotent)),
            reraise=True,
            sleep=sleep,
        )
        async for step in retrying:
            with step:
                return await attempt()
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True


NO_RETRY = RetryPolicy(attempts=1)


def parse_retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` value (seconds or an HTTP date) into seconds from now.

    Both forms are capped at :data:`RETRY_AFTER_CAP` (a day); a date in the past is ``0``; anything
    else (negative, fractional, not a date) is ``None``.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(min(int(value[:9]), RETRY_AFTER_CAP))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC without a known zone (RFC 5322 §3.3)
        when = when.replace(tzinfo=datetime.UTC)
    try:
        delta = when.timestamp() - time.time()
    except (OverflowError, ValueError, OSError):
        return None
    return float(min(max(0.0, delta), RETRY_AFTER_CAP))
