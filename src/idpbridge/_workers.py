"""Blocking calls (a vendor SDK such as boto3) run on a bounded private thread pool, awaited
without blocking the event loop.

A semaphore admits a call to the pool only when a worker is free, so a call that times out while
waiting was never started: a queued credential submission cannot reach the IdP after its caller
has given up. A caller that gives up on a running call frees its slot at once (the pool keeps
spare workers for such threads, see :meth:`WorkerPool.run`); the SDK's own timeouts end the
thread itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["WorkerPool"]

T = TypeVar("T")


class WorkerPool:
    """At most ``max_concurrency`` blocking calls at once on private threads named ``name``.

    ``abandoned`` counts threads still running calls whose callers gave up.
    """

    def __init__(self, max_concurrency: int, *, name: str) -> None:
        self.max = max_concurrency
        self.name = name
        self.abandoned = 0
        self._executor: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None

    async def run(self, call: Callable[[], T]) -> T:
        """Run ``call`` on a worker thread and return its result.

        A slot is taken before submitting, so there is always an idle worker for a submitted
        call. The slot is given back when the thread is done or, if the caller gives up (timeout,
        cancellation) while the thread still runs, at once, as long as fewer than
        ``max_concurrency`` such abandoned threads are running: the pool has that many spare
        workers, so a hung call never starves later ones, and the number of threads stays
        bounded. Beyond that, slots are held until threads end.
        """
        if self._executor is None:  # max calls in flight plus as many threads their callers gave up on
            self._executor = ThreadPoolExecutor(2 * self.max, thread_name_prefix=self.name)
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:  # asyncio primitives belong to one loop
            self._slots, self._slots_loop = asyncio.Semaphore(self.max), loop
        executor, slots = self._executor, self._slots
        await slots.acquire()
        try:
            future = executor.submit(call)
        except BaseException:
            slots.release()
            raise
        holds_slot = [True]

        def finished() -> None:  # on the loop, once the thread is done
            if holds_slot[0]:
                slots.release()
            else:
                self.abandoned -= 1

        def give_back(_: Future[T]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone (process shutting down)
                loop.call_soon_threadsafe(finished)

        future.add_done_callback(give_back)
        try:
            return await asyncio.wrap_future(future, loop=loop)
        except asyncio.CancelledError:
            if not future.done() and self.abandoned < self.max:
                holds_slot[0] = False
                self.abandoned += 1
                slots.release()
            raise

    def close(self) -> None:
        """Stop the pool without waiting: a thread a caller gave up on ends by the SDK's timeout."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
