"""Opaque-token validation by OAuth 2.0 Token Introspection (RFC 7662).

Used by the ``token`` method when ``token_kind = "opaque"``. The token is POSTed (with
``token_type_hint``, default ``access_token``) to the OP's ``introspection_endpoint`` with client
authentication: the token endpoint's method (secret, ``client_secret_jwt``, ``private_key_jwt``).

The answer must be a 200 JSON object whose ``active`` is the JSON value ``true`` (a string
``"true"`` or a ``1`` is refused); a body carrying ``error`` is refused even with 200. Then:

* ``iss``, when present, is the OP's issuer; ``aud`` holds ``token_audience`` when configured;
  ``client_id`` is one of ``token_client_ids`` when configured (both refused when absent then);
* ``exp`` (required), ``nbf`` and ``iat`` are numbers; ``exp`` is in the future and ``nbf``/``iat``
  not in the future (``leeway`` tolerated);
* ``sub`` names the user; when the request carries ``username``, the ``username_claim`` must equal
  it (``username_match``: ``exact``, or ``casefold``), compared in constant time.

Failures are :class:`~idpbridge.TokenValidationError` (``token.inactive``, ``token.issuer``,
``token.audience``, ``token.client``, ``token.expired``, ``token.not_yet_valid``,
``token.username``) or :class:`~idpbridge.MalformedResponse` ``provider.introspection``.

Caching (``introspection_cache_ttl`` > 0): an active answer is kept for at most that many seconds
and never past its ``exp``, keyed by a SHA-256 of the connector instance and the token (the token
itself is never a key or a value); inactive answers are never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from ..errors import ConfigurationError, MalformedResponse, TokenValidationError
from ..identity import ClaimSource, TokenSet
from ..methods import ExternalToken, Method
from ..outcomes import Authenticated
from .claims import merge_claims
from .client import error_body

if TYPE_CHECKING:
    from .connector import OIDCConnector

__all__ = ["introspect", "validate_opaque"]


def _bad(what: str) -> MalformedResponse:
    return MalformedResponse(f"the introspection answer {what}", code="provider.introspection")


def _refuse(message: str, code: str) -> TokenValidationError:
    return TokenValidationError(message, code=code)


def _cache_key(conn: OIDCConnector, token: str) -> str:
    digest = hashlib.sha256(f"{conn.instance_name}\0{token}".encode()).hexdigest()
    return f"introspection:{digest}"


def _number(body: Mapping[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"has a non-numeric {name}")
    return float(value)


async def introspect(conn: OIDCConnector, token: str) -> dict[str, Any]:
    """POST ``token`` to the introspection endpoint; the checked claims of an active token."""
    cfg = conn.config
    metadata = await conn.metadata()
    endpoint = metadata.introspection_endpoint
    if endpoint is None:
        raise ConfigurationError(
            "the IdP has no introspection_endpoint (set endpoints.introspection_endpoint)",
            field="token_kind",
            code="config.not_supported",
        )
    oauth = conn.oauth(metadata)
    form: dict[str, str] = {"token": token}
    if cfg.introspection_token_type_hint:
        form["token_type_hint"] = cfg.introspection_token_type_hint
    data, auth = oauth.credentials.apply(form)
    response = await oauth.http.post(endpoint, data=data, auth=auth, return_errors=True)
    if response.status != 200:
        raise oauth.error(response, error_body(response), context="introspection")
    body = response.json()
    if "error" in body:
        raise _bad("is an error body")
    active = body.get("active")
    if active is not True:
        if active is False:
            raise _refuse("the token is not active", "token.inactive")
        raise _bad("has no boolean active member")
    _check(conn, body, issuer=metadata.issuer)
    return body


def _check(conn: OIDCConnector, body: Mapping[str, Any], *, issuer: str) -> None:
    cfg = conn.config
    now, leeway = conn.clock(), cfg.leeway
    iss = body.get("iss")
    if iss is not None and iss != issuer:
        raise _refuse("the token was issued by another issuer", "token.issuer")
    if cfg.token_audience is not None:
        aud = body.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if cfg.token_audience not in audiences:
            raise _refuse("the token is not meant for this audience", "token.audience")
    if cfg.token_client_ids is not None and body.get("client_id") not in cfg.token_client_ids:
        raise _refuse("the token was issued to another client", "token.client")
    exp, nbf, iat = _number(body, "exp"), _number(body, "nbf"), _number(body, "iat")
    if exp is None:
        raise _bad("has no exp")
    if exp <= now - leeway:
        raise _refuse("the token has expired", "token.expired")
    if (nbf is not None and nbf > now + leeway) or (iat is not None and iat > now + leeway):
        raise _refuse("the token is not valid yet", "token.not_yet_valid")
    subject = body.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _bad("names no subject (sub)")


def _same_user(given: str, mapped: object, rule: str) -> bool:
    if not isinstance(mapped, str):
        return False
    if rule == "casefold":
        given, mapped = given.casefold(), mapped.casefold()
    return hmac.compare_digest(given.encode(), mapped.encode())


async def validate_opaque(conn: OIDCConnector, request: ExternalToken) -> Authenticated:
    """Validate an opaque token by introspection (see the module docstring)."""
    cfg = conn.config
    token = request.token.get_secret_value()
    key = _cache_key(conn, token) if cfg.introspection_cache_ttl > 0 else None
    cached = await conn.cache.get(key) if key else None
    claims: dict[str, Any] | None = json.loads(cached) if cached else None
    if claims is not None and float(claims["exp"]) <= conn.clock() - cfg.leeway:
        claims = None
    if claims is None:
        claims = await introspect(conn, token)
        if key:
            ttl = min(cfg.introspection_cache_ttl, float(claims["exp"]) - conn.clock())
            if ttl > 0:
                await conn.cache.set(key, json.dumps(claims).encode(), ttl)
    if request.username is not None and not _same_user(
        request.username, claims.get(cfg.username_claim), cfg.username_match
    ):
        raise _refuse(f"the token's {cfg.username_claim} does not match the username", "token.username")
    merged, sources = merge_claims((ClaimSource.ACCESS_TOKEN, claims))
    issuer = claims.get("iss")
    if not isinstance(issuer, str):
        issuer = (await conn.metadata()).issuer
    return Authenticated(
        identity=conn.engine.identity(merged, sources, issuer, owned=True),
        tokens=TokenSet(access_token=SecretStr(token)),
        method=Method.TOKEN,
    )
