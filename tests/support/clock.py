"""Injectable clocks (a ``() -> float`` of POSIX seconds, as connectors, caches and fakes take).

:class:`FixedClock` stands still until a test moves it; :class:`OffsetClock` runs with real time
plus an offset a test can advance (for servers that also read the real clock, like the sandbox).
"""

from __future__ import annotations

import time

__all__ = ["FixedClock", "OffsetClock"]


class FixedClock:
    """A settable clock: ``now`` until :meth:`advance` moves it."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class OffsetClock:
    """Real time plus :attr:`offset`, which :meth:`advance` moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
