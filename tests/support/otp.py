"""TOTP codes for tests (RFC 6238, SHA-1, 6 digits, 30 s: what authenticator apps and the peers use).

:func:`code` is the code ``steps`` time steps away from now, from the enrolled base32 secret (the
arithmetic is ``tests.oidc.integration._drive.totp``). :func:`fresh_step` waits, when a step is about
to end, for the next one to begin, so a code computed now is still in the same step when the IdP
checks it — tests about the accepted window (previous/next step) must not straddle a boundary.
:func:`code_flow_with_totp` signs carol in through a connector's code flow at the oidc-provider
peer, typing the given code at the login page's TOTP step; :func:`peer_totp_login` and
:func:`peer_refuses_totp` are the accepted and the refused code at a fresh step.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from idpbridge import Authenticated
from tests.oidc.integration._drive import LoginFailed, totp
from tests.peers import oidc_provider as op

from .providers import drive_code_flow

__all__ = ["STEP", "code", "code_flow_with_totp", "fresh_step", "peer_refuses_totp", "peer_totp_login"]

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
    return (await drive_code_flow(conn, username, otp=otp)).result


async def peer_totp_login(conn: Any, steps: int = 0) -> Authenticated:
    """At a fresh step, carol's code flow at the oidc-provider peer with the code of
    :data:`~tests.peers.oidc_provider.TOTP_SECRET` ``steps`` steps away, which the peer must
    accept: the identity says ``amr`` ``pwd`` then ``otp``."""
    await fresh_step()
    result = await code_flow_with_totp(conn, code(op.TOTP_SECRET, steps))
    assert result.identity.amr == ("pwd", "otp")
    return result


async def peer_refuses_totp(conn: Any, steps: int) -> None:
    """At a fresh step, the oidc-provider peer's login page refuses carol's code ``steps`` steps
    away (``steps`` beyond the window of one either side; the code must differ from those in it)."""
    await fresh_step()
    otp = code(op.TOTP_SECRET, steps)
    assert otp not in {code(op.TOTP_SECRET, s) for s in (-1, 0, 1)}  # a coincidence would prove nothing
    with pytest.raises(LoginFailed):
        await code_flow_with_totp(conn, otp)
