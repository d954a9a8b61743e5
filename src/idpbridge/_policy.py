"""Transport limits of one connector: :class:`Timeouts` and :class:`HttpPolicy`.

Re-exported by :mod:`idpbridge.http`, which enforces them.
"""

from __future__ import annotations

import dataclasses
import math

from ._retry import RetryPolicy
from ._version import __version__
from .errors import ConfigurationError

__all__ = ["HttpPolicy", "Timeouts"]


@dataclasses.dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed to connect, to wait for each read, and for a whole call with retries."""

    connect: float = 5.0
    read: float = 10.0
    total: float = 20.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ConfigurationError(
                    f"timeout {name!r} must be a positive number", field=f"timeouts.{name}"
                )


@dataclasses.dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Transport limits for one connector."""

    timeouts: Timeouts = Timeouts()
    max_body: int = 1024 * 1024
    retry: RetryPolicy = RetryPolicy()  # noqa: RUF009 - frozen, shared safely
    max_redirects: int = 3
    user_agent: str = f"idpbridge/{__version__}"
