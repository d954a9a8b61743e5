"""Signing keys shared by the sandbox IdPs: RS256 keys generated per start, rotatable.

:class:`KeyRing` holds the active key (which signs) and the keys it replaced (still published in
the JWKS so tokens signed before a rotation keep validating, as real IdPs do during a rollover).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

__all__ = ["KeyRing", "at_hash"]


def at_hash(access_token: str) -> str:
    """OpenID Connect ``at_hash`` for an RS256-signed ID token: left half of SHA-256, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _new_key(alg: str = "RS256", use: str = "sig") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_urlsafe(16), "alg": alg, "use": use})


class KeyRing:
    """RS256 signing keys: the newest signs; up to ``keep`` keys are published (thread-safe)."""

    def __init__(self, *, keep: int = 2) -> None:
        self._keep = max(1, keep)
        self._keys: list[RSAKey] = [_new_key()]
        self._lock = threading.Lock()

    @property
    def active(self) -> RSAKey:
        """The key that signs new tokens."""
        with self._lock:
            return self._keys[0]

    @property
    def kids(self) -> tuple[str, ...]:
        """Key ids, newest first."""
        with self._lock:
            return tuple(str(k.kid) for k in self._keys)

    def rotate(self) -> str:
        """Generate a new active key (the oldest beyond ``keep`` is retired); return its ``kid``."""
        key = _new_key()
        with self._lock:
            self._keys = [key, *self._keys][: self._keep]
        return str(key.kid)

    def sign(self, claims: Mapping[str, Any], *, header: Mapping[str, Any] | None = None) -> str:
        """A compact JWS of ``claims`` with the active key (``alg`` and ``kid`` always set)."""
        key = self.active
        head = {**(header or {}), "alg": "RS256", "kid": key.kid}
        return jwt.encode(head, dict(claims), key)

    def jwks(self, *extra: RSAKey) -> dict[str, Any]:
        """The public JWK Set (plus ``extra`` keys, e.g. an encryption key)."""
        with self._lock:
            keys = [*self._keys, *extra]
        return {"keys": [k.as_dict(private=False) for k in keys]}

    @staticmethod
    def encryption_key() -> RSAKey:
        """An ``RSA-OAEP`` key with ``use: enc`` (Keycloak publishes one beside its signing keys)."""
        return _new_key("RSA-OAEP", "enc")
