"""TOTP codes for tests (RFC 6238, SHA-1, 6 digits, 30 s: what authenticator apps and the peers use).

:func:`code` is the code ``steps`` time steps away from now, from the enrolled base32 secret (the
arithmetic is ``tests.oidc.integration._drive.totp``). :func:`fresh_step` waits, when a step is about
to end, for the next one to begin, so a code computed now is still in the same step when the IdP
checks it — tests about the accepted window (previous/next step) must not straddle a boundary.
"""

from __future__ import annotations

import asyncio
import time

from tests.oidc.integration._drive import totp

__all__ = ["STEP", "code", "fresh_step"]

STEP = 30


def code(secret: str, steps: int = 0) -> str:
    """The code of ``secret`` ``steps`` time steps from now (``-1`` previous, ``1`` next)."""
    return totp(secret, time.time() + steps * STEP)


async def fresh_step(margin: float = 5.0) -> None:
    """Return at once, or after the current step ends when fewer than ``margin`` seconds are left."""
    left = STEP - time.time() % STEP
    if left < margin:
        await asyncio.sleep(left + 0.05)
