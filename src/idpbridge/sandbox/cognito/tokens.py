"""Token minting and key documents of the Cognito emulator (RS256, the claims Cognito sends)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from joserfc.jwk import RSAKey

from .._tokens import KeyRing, at_hash
from .entities import Client, Pool, User

__all__ = ["Minted", "TokenMinter"]

Minted = dict[str, Any]


class TokenMinter:
    """Signs a pool's tokens with RS256 keys (every pool of the emulator shares them, as in moto).

    :attr:`keys` is the shared :class:`~idpbridge.sandbox._tokens.KeyRing`: rotate it to publish a
    new signing key beside the previous one.
    """

    def __init__(self, keys: KeyRing | None = None) -> None:
        self.keys = keys or KeyRing()

    @property
    def key(self) -> RSAKey:
        """The key signing new tokens."""
        return self.keys.active

    def mint(
        self,
        pool: Pool,
        client: Client,
        user: User,
        *,
        now: float,
        nonce: str | None = None,
        scope: str | None = None,
    ) -> Minted:
        """``{"id_token", "access_token", "refresh_token", "expires_in"}`` for ``user``.

        ``nonce`` (Hosted UI flows) also adds ``at_hash``, as Cognito's ID tokens from
        ``/oauth2/token`` carry.
        """
        issued = int(now)
        common: dict[str, Any] = {
            "iss": pool.issuer,
            "sub": user.sub,
            "iat": issued,
            "auth_time": issued,
            "exp": issued + 3600,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
        }
        if user.groups:
            common["cognito:groups"] = list(user.groups)
        access = {
            **common,
            "client_id": client.client_id,
            "token_use": "access",
            "username": user.username,
            "scope": scope or "aws.cognito.signin.user.admin",
            "jti": str(uuid.uuid4()),
        }
        access_token = self.keys.sign(access)
        claims: dict[str, Any] = {
            **common,
            "aud": client.client_id,
            "token_use": "id",
            "cognito:username": user.username,
            "jti": str(uuid.uuid4()),
        }
        for key, value in user.attributes.items():
            claims[key] = (value == "true") if key.endswith("_verified") else value
        if nonce is not None:
            claims["nonce"] = nonce
            claims["at_hash"] = at_hash(access_token)
        return {
            "id_token": self.keys.sign(claims),
            "access_token": access_token,
            "refresh_token": secrets.token_urlsafe(96),
            "expires_in": 3600,
        }

    def jwks(self) -> dict[str, Any]:
        """The public key set."""
        return self.keys.jwks()
