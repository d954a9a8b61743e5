"""Apple's client secret: an ES256 JWT minted from the team id, key id and the ``.p8`` key.

Apple authenticates the client at ``/auth/token`` and ``/auth/revoke`` with a JWT instead of a
shared secret (``generate_client_secret`` in
https://github.com/python-social-auth/social-core/blob/master/social_core/backends/apple.py)::

    header  {"alg": "ES256", "kid": <key id>}
    claims  {"iss": <team id>, "iat": now, "exp": now + ttl, "aud": "https://appleid.apple.com",
             "sub": <services id / client id>}

Apple refuses an ``exp`` more than six months ahead (``invalid_client``). idpbridge mints short
secrets (default one day), caches one per connector and mints the next at half-life, so a secret
is never used close to its expiry. The key and the secrets are held in ``SecretStr`` and never
logged or shown in ``repr``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from pydantic import SecretStr

from ...errors import ConfigurationError
from .sheet import ISSUER

__all__ = [
    "APPLE_MAX_LIFETIME",
    "ClientSecret",
    "check_private_key",
    "mint_client_secret",
    "unverified_claims",
]

#: Apple's ceiling for ``exp - iat`` (six months, 15 777 000 s).
APPLE_MAX_LIFETIME = 15_777_000


def check_private_key(pem: str) -> None:
    """Raise ``ValueError`` unless ``pem`` is an unencrypted EC P-256 private key (a ``.p8``).

    The message never quotes the key.
    """
    try:
        key = load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise ValueError(
            "not a PEM private key (paste the whole .p8 file, BEGIN/END lines included)"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("not an EC P-256 key: Sign in with Apple keys (.p8) are ES256 keys")


def mint_client_secret(
    *, team_id: str, key_id: str, client_id: str, private_key: SecretStr, issued_at: int, lifetime: int
) -> SecretStr:
    """One client-secret JWT valid from ``issued_at`` for ``lifetime`` seconds."""
    if not 0 < lifetime <= APPLE_MAX_LIFETIME:
        raise ConfigurationError(
            "the client secret lifetime must be within six months", field="client_secret_ttl"
        )
    claims = {
        "iss": team_id,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "aud": ISSUER,
        "sub": client_id,
    }
    key = ECKey.import_key(private_key.get_secret_value())
    token = jws.serialize_compact(
        {"alg": "ES256", "kid": key_id}, json.dumps(claims), key, algorithms=["ES256"]
    )
    return SecretStr(token)


class ClientSecret:
    """The current client secret of one connector: minted on demand, renewed at half-life."""

    __slots__ = ("_clock", "_current", "_issued_at", "_mint", "lifetime")

    def __init__(self, mint: Callable[..., SecretStr], *, lifetime: int, clock: Callable[[], float]) -> None:
        self._mint = mint
        self.lifetime = lifetime
        self._clock = clock
        self._current: SecretStr | None = None
        self._issued_at = 0

    def get(self) -> SecretStr:
        """The secret to send now (a new one once half of the current one's life has passed)."""
        now = int(self._clock())
        if self._current is None or now >= self._issued_at + self.lifetime // 2 or now < self._issued_at:
            self._current = self._mint(issued_at=now)
            self._issued_at = now
        return self._current

    @property
    def expires_at(self) -> int | None:
        """When the cached secret expires (POSIX seconds), or ``None`` before the first mint."""
        return self._issued_at + self.lifetime if self._current is not None else None

    def __repr__(self) -> str:
        return f"ClientSecret(lifetime={self.lifetime}, minted={self._current is not None})"


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a configured (pre-minted) client secret, read without verification.

    Only used to report its expiry in ``check()``; raises ``ValueError`` for anything that is not
    a compact JWS with an ES256 header and a ``kid``.
    """
    try:
        compact = jws.extract_compact(token.encode("utf-8"))
        header, claims = compact.headers(), json.loads(compact.payload)
    except (JoseError, ValueError):
        raise ValueError("not a compact JWT") from None
    if header.get("alg") != "ES256" or not header.get("kid"):
        raise ValueError("not an ES256 JWT with a kid")
    if not isinstance(claims, dict):
        raise ValueError("the JWT payload is not an object")
    return claims
