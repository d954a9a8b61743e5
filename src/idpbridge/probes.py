"""Timed probes for ``check()``: each probe is run, timed and reported, none raising.

A probe is an async callable returning ``(ok, detail)``; :func:`timed_probe` turns it into a
:class:`~idpbridge.kit.CheckResult` (an exception becomes a failed result with a sanitized detail)
and :func:`skipped` reports probes that could not run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from .connector import CheckResult
from .errors import IdpBridgeError, sanitize

__all__ = ["Probe", "run_probes", "skipped", "timed_probe"]

#: An async check returning ``(ok, detail)``.
Probe = Callable[[], Awaitable[tuple[bool, str]]]


async def timed_probe(name: str, probe: Probe) -> CheckResult:
    """Run ``probe`` and report it as ``name`` with its duration in milliseconds."""
    started = time.perf_counter()
    try:
        ok, detail = await probe()
    except IdpBridgeError as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc.message}"
    except Exception as exc:  # a failed probe is a finding, never an exception
        ok, detail = False, f"{type(exc).__name__}: {sanitize(exc, limit=150)}"
    return CheckResult(name, ok, sanitize(detail), round((time.perf_counter() - started) * 1e3, 1))


async def run_probes(probes: Iterable[tuple[str, Probe]]) -> list[CheckResult]:
    """Run named probes one after the other (in order) and report each."""
    return [await timed_probe(name, probe) for name, probe in probes]


def skipped(names: Iterable[str], reason: str) -> list[CheckResult]:
    """Results for probes that could not run (``"skipped: <reason>"``): not passed, and marked
    ``skipped`` so reports show SKIP rather than FAIL."""
    return [CheckResult(name, False, f"skipped: {reason}", skipped=True) for name in names]
