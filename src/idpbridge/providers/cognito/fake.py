"""Deprecated alias of :mod:`idpbridge.sandbox.cognito`, where the Cognito emulator now lives.

Importing a name from here still works for one minor version, with a :class:`DeprecationWarning`;
import it from :mod:`idpbridge.sandbox.cognito` instead. The connector never imports this module.
"""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = (
    "Client",
    "CognitoApp",
    "CognitoFault",
    "CognitoState",
    "FakeCognito",
    "Message",
    "Pool",
    "User",
    "totp_code",
)
__all__ = list(_MOVED)  # resolved lazily by __getattr__ below


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"idpbridge.providers.cognito.fake is deprecated; import {name} from idpbridge.sandbox.cognito",
        DeprecationWarning,
        stacklevel=2,
    )
    from ...sandbox import cognito  # the one import from providers into sandbox: this alias

    return getattr(cognito, name)
