"""TOTP codes for tests (RFC 6238, SHA-1, 6 digits, 30 s: what authenticator apps and the peers use).

:func:`code` is the code ``steps`` time steps away from now, from the enrolled base32 secret (the
arithmetic is ``tests.oidc.integration._drive.totp``). :func:`fresh_step` waits, when a step is about
to end, for the next one to begin, so a code computed now is still in the same step when the IdP
checks it — tests about the accepted window (previous/next step) must not straddle a boundary.
:func:`code_flow_with_totp` signs carol in through a connector's code flow at the oidc-provider
peer, typing the given code at the login page's TOTP step.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from idpbridge import Authenticated, FinishOIDC, RedirectRequired, StartOIDC
from tests.oidc.integration._drive import oidc_provider_login, totp
from tests.peers import oidc_provider as op

__all__ = ["STEP", "code", "code_flow_with_totp", "fresh_step"]

STEP = 30


def code(secret: str, steps: int = 0) -> str:
    """The code of ``secret`` ``steps`` time steps from now (``-1`` previous, ``1`` next)."""
    return totp(secret, time.time() + steps * STEP)


async def fresh_step(margin: float = 5.0) -> None:
    """Return at once, or after the current step ends when fewer than ``margin`` seconds are left."""
    left = STEP - time.time() % STEP
    if left < margin:
        await asyncio.sleep(left + 0.05)


async def code_flow_with_totp(conn: Any, otp: str, *, username: str = "carol") -> Authenticated:
    """``StartOIDC`` → oidc-provider's login page (password, then ``otp``) → ``FinishOIDC``.

    Raises :class:`tests.oidc.integration._drive.LoginFailed` when the page refuses the code.
    """
    start = await conn.authenticate(StartOIDC(op.REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    callback = await oidc_provider_login(
        start.url, username, op.USERS[username], redirect_prefix=op.REDIRECT_URI, otp=otp
    )
    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    return result
