"""One private event loop thread per process for the synchronous adapters (Django, Flask).

The flow is async; a WSGI view runs it here, like :meth:`idpbridge.Connector.sync` does, so the
connectors' HTTP connection pools always live on the same loop.
"""

from __future__ import annotations

import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from .._sync import _LoopThread

__all__ = ["run", "runner"]

T = TypeVar("T")
_loop: _LoopThread | None = None
_lock = threading.Lock()


def runner() -> _LoopThread:
    """The process's loop thread (started on first use)."""
    global _loop  # noqa: PLW0603 - one loop thread per process, as the sync facade has
    with _lock:
        if _loop is None:
            _loop = _LoopThread()
        return _loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the loop thread and wait for its result (e.g. ``run(connectors.aclose())``)."""
    return runner().run(coro)
