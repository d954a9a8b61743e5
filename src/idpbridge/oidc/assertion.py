"""JWT client authentication (RFC 7523 §2.2, OpenID Connect Core §9): client assertions.

* ``private_key_jwt``: an assertion signed with the client's private key (RS256, ES256 or
  PS256), loaded from a PEM or a JWK (JSON) given as a :class:`~pydantic.SecretStr`.
* ``client_secret_jwt``: an assertion MACed with the client secret (HS256).

Every assertion is single-use and short-lived: a random ``jti`` (128 bits), ``iat`` now and
``exp`` :data:`ASSERTION_LIFETIME` seconds later, ``iss`` = ``sub`` = the client id. ``aud`` is
the token endpoint URL (RFC 7523 §3, and what OpenID Connect Core §9 says), also on the
revocation, introspection, PAR and CIBA endpoints, so one audience works for every endpoint;
``client_assertion_audience = "issuer"`` selects the issuer instead (RFC 7523bis, FAPI 2.0).
Signing uses joserfc; the key never appears in a repr, a log line or an error.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, Literal

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, RSAKey, import_key
from pydantic import SecretStr

from ..errors import ConfigurationError

__all__ = [
    "ASSERTION_LIFETIME",
    "ASSERTION_TYPE",
    "AssertionAlg",
    "AssertionSigner",
    "load_private_key",
]

#: ``client_assertion_type`` of a JWT bearer client assertion (RFC 7523 §2.2).
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Seconds an assertion stays valid (it is used once, right away).
ASSERTION_LIFETIME = 60
AssertionAlg = Literal["RS256", "PS256", "ES256", "HS256"]
_ASYMMETRIC: dict[str, tuple[str, ...]] = {"RSA": ("RS256", "PS256"), "EC": ("ES256",)}
_MIN_HMAC_BYTES = 32  # RFC 7518 §3.2: an HS256 key is at least 256 bits


def _bad_key(message: str) -> ConfigurationError:
    return ConfigurationError(message, field="client_assertion_key", code="config.invalid_key")


def load_private_key(value: SecretStr) -> RSAKey | ECKey:
    """A private RSA or EC (P-256) key from a PEM or a JWK JSON object.

    Raises:
        ConfigurationError: ``config.invalid_key`` (the message never quotes the key).
    """
    raw = value.get_secret_value().strip()
    key: Any = None
    try:
        if raw.startswith("{"):
            data = json.loads(raw)
            if isinstance(data, dict) and data.get("kty") in _ASYMMETRIC:
                members = {k: v for k, v in data.items() if k in _JWK_MEMBERS}
                key = import_key(members, data["kty"])
        elif raw.startswith("-----BEGIN"):
            try:
                key = RSAKey.import_key(raw)
            except (JoseError, ValueError, TypeError):
                key = ECKey.import_key(raw)
    except (JoseError, ValueError, TypeError, KeyError):
        key = None
    if key is None:
        raise _bad_key("client_assertion_key is not a private RSA or EC key in PEM or JWK form")
    if not isinstance(key, RSAKey | ECKey) or not key.is_private:
        raise _bad_key("client_assertion_key must be a private RSA or EC key")
    if isinstance(key, ECKey) and key.curve_name != "P-256":
        raise _bad_key("client_assertion_key: an EC key must be on P-256 (ES256)")
    return key


_JWK_MEMBERS = frozenset(
    {"kty", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "kid", "alg", "use", "key_ops"}
)


class AssertionSigner:
    """Mints client assertions for one client.

    Args:
        client_id: ``iss`` and ``sub``.
        method: ``private_key_jwt`` or ``client_secret_jwt``.
        key: the private key (``private_key_jwt``) or the client secret (``client_secret_jwt``).
        alg: the JWS algorithm; default RS256 for RSA keys, ES256 for EC keys, HS256 for a secret.
        kid: the ``kid`` header (default: the JWK's own ``kid``, if any).
    """

    __slots__ = ("_key", "alg", "client_id", "kid", "method")

    def __init__(
        self,
        client_id: str,
        method: Literal["private_key_jwt", "client_secret_jwt"],
        key: SecretStr,
        *,
        alg: AssertionAlg | None = None,
        kid: str | None = None,
    ) -> None:
        self.client_id = client_id
        self.method = method
        signing_key: RSAKey | ECKey | OctKey
        if method == "client_secret_jwt":
            secret = key.get_secret_value().encode()
            if len(secret) < _MIN_HMAC_BYTES:
                raise ConfigurationError(
                    "client_secret_jwt needs a client_secret of at least 32 bytes (RFC 7518 §3.2)",
                    field="client_secret",
                    code="config.invalid_key",
                )
            signing_key = OctKey.import_key(secret)
            allowed: tuple[str, ...] = ("HS256",)
        else:
            signing_key = load_private_key(key)
            allowed = _ASYMMETRIC[signing_key.key_type]
            kid = kid or signing_key.kid
        chosen = alg or allowed[0]
        if chosen not in allowed:
            raise ConfigurationError(
                f"client_assertion_alg {chosen} does not fit a {signing_key.key_type} key "
                f"(use {' or '.join(allowed)})",
                field="client_assertion_alg",
            )
        self.alg: str = chosen
        self.kid = kid
        self._key = signing_key

    def __repr__(self) -> str:
        return f"AssertionSigner(client_id={self.client_id!r}, method={self.method!r}, alg={self.alg!r})"

    def sign(self, claims: Mapping[str, Any], *, typ: str = "JWT") -> str:
        """A compact JWS of ``claims`` with this key (``alg``, ``typ`` and ``kid`` headers)."""
        header: dict[str, Any] = {"alg": self.alg, "typ": typ}
        if self.kid:
            header["kid"] = self.kid
        return jwt.encode(header, dict(claims), self._key, algorithms=[self.alg])

    def assertion(self, audience: str, *, now: float | None = None) -> str:
        """A fresh signed assertion for ``audience`` (new ``jti`` every call)."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": secrets.token_urlsafe(16),
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME,
        }
        return self.sign(claims)
