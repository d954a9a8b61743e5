"""Token minting and key documents of the Cognito emulator (RS256, the claims Cognito sends)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from .entities import Client, Pool, User

__all__ = ["Minted", "TokenMinter"]

Minted = dict[str, Any]


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


class TokenMinter:
    """Signs a pool's tokens with one RS256 key (every pool of the emulator shares it, as in moto)."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "alg": "RS256", "use": "sig"}
        )

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
        header = {"kid": self.key.kid, "alg": "RS256"}
        access_token = jwt.encode(header, access, self.key)
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
            claims["at_hash"] = _at_hash(access_token)
        return {
            "id_token": jwt.encode(header, claims, self.key),
            "access_token": access_token,
            "refresh_token": secrets.token_urlsafe(96),
            "expires_in": 3600,
        }

    def jwks(self) -> dict[str, Any]:
        """The public key set."""
        return {"keys": [self.key.as_dict(private=False)]}
