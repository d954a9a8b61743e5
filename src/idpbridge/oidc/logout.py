"""Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6).

A logout token is checked like an ID token (signature with the OP's keys and the ID-token
algorithm allow-list, ``iss``, ``aud`` = the client id, ``exp``, ``iat`` age, ``typ`` ``JWT`` or
``logout+jwt``), plus: it must carry no ``nonce``; ``events`` must be an object holding the
member :data:`BACKCHANNEL_LOGOUT_EVENT` whose value is an object; ``jti`` must be a string; it
must name a ``sub`` (idpbridge's validator always requires one — a ``sid``-only token is
refused). The ``jti`` is claimed in the replay store until the token expires, so a replayed
token is refused by every worker sharing the store (``token.replayed``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from ..errors import TokenValidationError
from ..replay import claim_step
from .idtoken import ID_TOKEN_TYPES

if TYPE_CHECKING:
    from .connector import OIDCConnector

__all__ = ["BACKCHANNEL_LOGOUT_EVENT", "LogoutToken", "validate_logout_token"]

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
_MAX_TOKEN = 16_384


@dataclasses.dataclass(frozen=True, slots=True)
class LogoutToken:
    """A validated logout token: end the sessions of ``subject`` (and of ``sid`` when given)."""

    issuer: str
    subject: str
    sid: str | None
    jti: str
    claims: dict[str, Any] = dataclasses.field(repr=False)


def _fail(code: str, message: str) -> TokenValidationError:
    return TokenValidationError(message, code=code)


async def validate_logout_token(conn: OIDCConnector, token: str | SecretStr) -> LogoutToken:
    """Validate a ``logout_token`` POSTed to the back-channel logout URI.

    Raises:
        TokenValidationError: any failed check (``token.*`` codes; ``token.nonce`` when it
            carries a nonce, ``token.events`` without the logout event, ``token.replayed``).
    """
    raw = token.get_secret_value() if isinstance(token, SecretStr) else token
    if not isinstance(raw, str) or not raw or len(raw) > _MAX_TOKEN:
        raise _fail("token.malformed", "logout_token must be a compact JWT string")
    metadata = await conn.metadata()
    policy = conn.token_policy(metadata)
    policy = dataclasses.replace(policy, header_types=frozenset({*ID_TOKEN_TYPES, "logout+jwt"}))
    validated = await conn.engine.validator.validate(raw, policy, jwks_uri=metadata.jwks_uri, nonce=None)
    claims = dict(validated.claims)
    if "nonce" in claims:  # the validator refuses it too (nonce=None); kept explicit here
        raise _fail("token.nonce", "a logout token must not carry a nonce")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise _fail("token.events", "the logout token has no back-channel logout event")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 512:
        raise _fail("token.jti", "the logout token has no jti")
    sid = claims.get("sid")
    if sid is not None and not isinstance(sid, str):
        raise _fail("token.sid", "the logout token's sid is not a string")
    exp = claims.get("exp")
    ttl = max(60.0, float(exp) - conn.clock() + policy.leeway) if isinstance(exp, int | float) else 3600.0
    digest = hashlib.sha256(f"{claims['iss']}\0{jti}".encode()).hexdigest()[:40]
    key = f"logout-jti:{conn.instance_name}:{digest}"
    if not await claim_step(conn.replay_store, key, ttl, connector=conn.instance_name):
        raise _fail("token.replayed", "this logout token was already used")
    return LogoutToken(issuer=str(claims["iss"]), subject=str(claims["sub"]), sid=sid, jti=jti, claims=claims)
