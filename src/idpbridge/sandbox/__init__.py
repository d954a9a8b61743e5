"""A local sandbox IdP for trying idpbridge with no IdP account (``pip install "idpbridge[sandbox]"``).

:class:`Sandbox` serves, on ``127.0.0.1`` only, a Keycloak realm (discovery, JWKS, authorization
code + PKCE with a login page, direct access grant with ``otp``/``totp``, Keycloak's error
bodies) and a Cognito user pool (the emulator in :mod:`idpbridge.sandbox.cognito`:
``USER_PASSWORD_AUTH``, ``USER_AUTH`` e-mail and SMS OTP). Users come from a TOML seed file
(:func:`load_seed`; a default one ships with the package); signing keys are generated at every
start and rotate with :meth:`Sandbox.rotate_keys`. The real connectors talk to it over HTTP:
nothing is special-cased for the sandbox.

::

    from idpbridge.sandbox import Sandbox

    with Sandbox() as sandbox:
        print(sandbox.connectors_toml())   # [connectors.sandbox-keycloak] ...
        ...                                # sandbox.outbox holds the OTP codes "sent"

``idpbridge sandbox`` runs it from the command line; ``idpbridge demo`` migrates the seeded
users through every method into a local SQLite user store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._otp import totp_code
    from .seed import Seed, default_seed_path, load_seed
    from .server import Sandbox

__all__ = ["Sandbox", "Seed", "default_seed_path", "load_seed", "totp_code"]

_WHERE = {
    "Sandbox": ".server",
    "Seed": ".seed",
    "default_seed_path": ".seed",
    "load_seed": ".seed",
    "totp_code": "._otp",
}


def __getattr__(name: str) -> Any:
    """Import lazily: the Cognito emulator imports this package's HTTP and token modules."""
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
