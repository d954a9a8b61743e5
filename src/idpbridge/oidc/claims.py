"""From raw claims to an :class:`~idpbridge.Identity`: merging sources and mapping claims.

Claims arrive in layers — the ID token, then UserInfo, then whatever a provider's API adds. A
later layer refreshes profile claims (UserInfo is the fresher source) but never the claims that
describe the token or the authentication event (``iss``, ``sub``, ``aud``, ``nonce``,
``auth_time``, ``amr``, …). :class:`ClaimMap` says which claim feeds which Identity field; a
provider overrides a few entries, a deployment overrides more through configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..claimmap import ClaimMap
from ..errors import TokenValidationError
from ..identity import ClaimSource, Identity, opt_str, str_list, strict_bool, timestamp

__all__ = ["PROTECTED_CLAIMS", "ClaimMap", "build_identity", "merge_claims", "subject_of"]

#: Claims only the first layer (the validated token) may set.
PROTECTED_CLAIMS = frozenset(
    {
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "nbf",
        "jti",
        "nonce",
        "azp",
        "at_hash",
        "c_hash",
        "s_hash",
        "sid",
        "auth_time",
        "acr",
        "amr",
        "typ",
        "token_use",
    }
)


def lookup(claims: Mapping[str, Any], name: str | None) -> Any:
    """A claim by name or dotted path, or ``None``."""
    if name is None:
        return None
    if name in claims:
        return claims[name]
    node: Any = claims
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def merge_claims(
    *layers: tuple[ClaimSource, Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, ClaimSource]]:
    """Merge claim layers in order; return ``(claims, sources)``.

    The first layer sets everything it has; each later one adds new claims and refreshes
    existing ones except :data:`PROTECTED_CLAIMS`.
    """
    claims: dict[str, Any] = {}
    sources: dict[str, ClaimSource] = {}
    for index, (source, layer) in enumerate(layers):
        for key, value in layer.items():
            if index and key in PROTECTED_CLAIMS and key in claims:
                continue
            if value is None:
                continue
            claims[key] = value
            sources[key] = source
    return claims, sources


def subject_of(claims: Mapping[str, Any], mapping: ClaimMap) -> str:
    """The subject: the first present of the map's subject claims (``token.claim`` when none is)."""
    for name in mapping.subject_claims:
        value = lookup(claims, name)
        if value is not None and value != "":
            return str(value)
    raise TokenValidationError(f"the claims have no {mapping.subject_claims[0]} claim", code="token.claim")


def _auth_time(value: object) -> dt.datetime | None:
    """``auth_time`` as a datetime; ``0`` or less is no authentication time (glewlwyd 2.7 sends
    ``auth_time: 0`` in code-flow ID tokens) and gives ``None``, as an absent claim does."""
    when = timestamp(value)
    return when if when is not None and when.timestamp() > 0 else None


def build_identity(
    claims: Mapping[str, Any],
    sources: Mapping[str, ClaimSource],
    *,
    mapping: ClaimMap,
    provider: str,
    connector: str,
    issuer: str,
    subject: str,
) -> Identity:
    """The normalized identity for merged ``claims`` (missing values ``None``, never ``""``)."""

    def text(name: str | None) -> str | None:
        return opt_str(lookup(claims, name))

    def flag(name: str | None) -> bool | None:
        return strict_bool(lookup(claims, name), accept_strings=mapping.string_booleans)

    return Identity(
        provider=provider,
        connector=connector,
        issuer=issuer,
        subject=subject,
        email=text(mapping.email),
        email_verified=flag(mapping.email_verified),
        phone_number=text(mapping.phone_number),
        phone_number_verified=flag(mapping.phone_number_verified),
        username=text(mapping.username),
        name=text(mapping.name),
        given_name=text(mapping.given_name),
        family_name=text(mapping.family_name),
        groups=str_list(lookup(claims, mapping.groups)) or (),
        roles=str_list(lookup(claims, mapping.roles)) or (),
        tenant=text(mapping.tenant),
        amr=str_list(lookup(claims, mapping.amr)) or (),
        auth_time=_auth_time(lookup(claims, mapping.auth_time)),
        claims=claims,
        sources=sources,
    )
