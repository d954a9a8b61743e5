"""One deadline for a whole operation (an ``authenticate()`` call), seen by every request in it.

:func:`deadline` bounds the ``async with`` block and records the absolute deadline in a context
variable, so :class:`~idpbridge.http.HttpClient` gives each request ``min(timeouts.total,
time left)`` and no request outlives the operation. The variable is reset when the block ends
(nothing leaks to the caller or to the next call), nested deadlines keep the earlier one, and
work shared between callers (a single-flight discovery fetch) runs under :func:`detached`, with
no caller's deadline: each waiter is still bounded by its own.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Coroutine, Generator
from types import TracebackType
from typing import Any, TypeVar

from .errors import ProviderUnavailable

__all__ = ["deadline", "detached", "remaining", "within"]

T = TypeVar("T")

#: The ``time.monotonic()`` by which the current operation must end, if any.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("idpbridge_deadline", default=None)


def remaining() -> float | None:
    """Seconds left before the current operation's deadline (may be negative), or ``None``."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()


class deadline:
    """Bound the block to ``seconds``; expiry raises :class:`~idpbridge.ProviderUnavailable`.

    The error has code ``provider.timeout`` and a message naming ``what`` (the connector) and the
    ``setting`` that sets the limit. A deadline already running that ends sooner still applies.
    (A plain class, not ``@asynccontextmanager``: it runs around every ``authenticate()``.)
    """

    __slots__ = ("_scope", "_seconds", "_setting", "_token", "_what")

    def __init__(self, seconds: float, *, what: str, setting: str = "timeouts.authenticate") -> None:
        self._seconds = seconds
        self._what = what
        self._setting = setting

    async def __aenter__(self) -> None:
        now = time.monotonic()
        at = now + self._seconds
        outer = _DEADLINE.get()
        if outer is not None and outer < at:
            at = outer
        loop = asyncio.get_running_loop()
        scope = asyncio.timeout_at(loop.time() + (at - now))
        await scope.__aenter__()
        self._scope = scope
        self._token = _DEADLINE.set(at)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _DEADLINE.reset(self._token)
        scope = self._scope
        try:
            await scope.__aexit__(exc_type, exc, tb)
        except TimeoutError:
            if not scope.expired():
                raise  # somebody else's timeout
            what, seconds, setting = self._what, self._seconds, self._setting
            raise ProviderUnavailable(
                f"{what} did not finish within {seconds:g} s ({setting})", code="provider.timeout"
            ) from None


async def within(
    coro: Coroutine[Any, Any, T],
    seconds: float,
    *,
    what: Callable[[], str],
    setting: str = "timeouts.authenticate",
) -> T:
    """Await ``coro`` under a deadline of ``seconds``, as :class:`deadline` bounds a block.

    The same guarantee at a lower cost on the paths that never wait: a timer can only interrupt a
    coroutine where it suspends, so ``coro`` first runs up to its first suspension with just the
    context variable set, and the ``asyncio`` timer (for the time left until the deadline, counted
    from this call) is armed only if it suspends. A call served from caches (a warm token
    validation) arms no timer at all. ``what`` names the operation in the error (called only then).
    """
    now = time.monotonic()
    at = now + seconds
    outer = _DEADLINE.get()
    if outer is not None and outer < at:
        at = outer
    token = _DEADLINE.set(at)
    try:
        try:
            suspended_on = coro.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        loop = asyncio.get_running_loop()
        scope = asyncio.timeout_at(loop.time() + (at - time.monotonic()))
        try:
            async with scope:
                result: T = await _Resumed(coro, suspended_on)
                return result
        except TimeoutError:
            if not scope.expired():
                raise  # somebody else's timeout
            raise ProviderUnavailable(
                f"{what()} did not finish within {seconds:g} s ({setting})", code="provider.timeout"
            ) from None
    finally:
        coro.close()  # a no-op once it finished; otherwise (an error thrown in) it releases it
        _DEADLINE.reset(token)


class _Resumed:
    """Awaitable that hands a started coroutine's pending future to the task, then drives it on
    (what ``await coro`` would have done had it not been started by hand)."""

    __slots__ = ("_coro", "_pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        self._coro = coro
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, pending = self._coro, self._pending
        while True:
            try:
                sent = yield pending
            except BaseException as exc:  # cancellation, or anything thrown into the task
                try:
                    pending = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration as done:
                    return done.value


def detached(fn: Callable[[], T]) -> T:
    """Call ``fn`` (e.g. one that creates a shared task) in a context without any deadline."""
    context = contextvars.copy_context()
    context.run(_DEADLINE.set, None)
    return context.run(fn)
