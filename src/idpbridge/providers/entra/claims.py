"""Entra ID-token claims -> :class:`~idpbridge.Identity`.

* Subject: ``oid`` (the user's object id, immutable and the same for every app in the tenant) by
  default; the issuer names the home tenant, so ``(issuer, oid)`` is ``(tid, oid)``. ``sub`` is
  pairwise (per application) and stays in :attr:`~idpbridge.Identity.claims`. Both ``oid`` and
  ``tid`` must come from the validated token, never from UserInfo.
* ``email`` is optional and **not verified** by Entra (the nOAuth attack): ``email_verified``
  comes only from the ``xms_edov`` optional claim ("email domain owner verified"); an
  ``email_verified`` claim, whoever put it there, is ignored.
* ``preferred_username`` (UPN, mutable) is the username; ``tid`` the tenant; ``groups`` (object
  ids) and ``roles`` (app roles) as sent. When a user is in too many groups Entra omits
  ``groups`` and points to Microsoft Graph instead (``_claim_names``/``_claim_sources``, or
  ``hasgroups`` in the implicit flow): :func:`group_overage` tells.

Sources: ``reference/providers.md`` §5.6 and §13 (id-tokens reference, social-core azuread_tenant,
the groups-overage write-up); ``rp-conformance.md`` 171-entra-email.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import TokenValidationError
from ...identity import ClaimSource, Identity
from ...oidc.claims import ClaimMap, build_identity

__all__ = ["CLAIMS", "TOKEN_SOURCES", "entra_identity", "group_overage"]

CLAIMS = ClaimMap(
    email="email",
    email_verified="xms_edov",  # UNCONFIRMED detail: the optional claim's exact semantics
    phone_number=None,
    phone_number_verified=None,
    username="preferred_username",
    tenant="tid",
    groups="groups",
    roles="roles",
)

#: Sources trusted for ``oid``/``tid``/``sub``: a token we validated ourselves.
TOKEN_SOURCES = frozenset({ClaimSource.ID_TOKEN, ClaimSource.EXTERNAL_TOKEN})


def group_overage(claims: Mapping[str, Any]) -> str | None:
    """Where to fetch the groups when the token has too many to carry them, else ``None``.

    Returns the Graph endpoint named in ``_claim_sources`` (or ``"graph"`` when Entra only says
    that there are groups, as with ``hasgroups``).
    """
    names = claims.get("_claim_names")
    if isinstance(names, Mapping) and isinstance(names.get("groups"), str):
        sources = claims.get("_claim_sources")
        source = sources.get(names["groups"]) if isinstance(sources, Mapping) else None
        endpoint = source.get("endpoint") if isinstance(source, Mapping) else None
        return endpoint if isinstance(endpoint, str) and endpoint else "graph"
    if claims.get("hasgroups") is True:
        return "graph"
    return None


def _token_claim(claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value or sources.get(name) not in TOKEN_SOURCES:
        hint = " (request the profile scope, or set subject_claim = 'sub')" if name == "oid" else ""
        raise TokenValidationError(f"the Entra token has no {name} claim{hint}", code="token.claim")
    return value


def entra_identity(
    claims: Mapping[str, Any],
    sources: Mapping[str, ClaimSource],
    *,
    mapping: ClaimMap,
    connector: str,
    issuer: str,
    subject_claim: str,
) -> Identity:
    """The identity for merged Entra claims; ``subject_claim`` is ``"oid"`` or ``"sub"``."""
    _token_claim(claims, sources, "tid")
    subject = _token_claim(claims, sources, subject_claim)
    return build_identity(
        claims,
        sources,
        mapping=mapping,
        provider="entra",
        connector=connector,
        issuer=issuer,
        subject=subject,
    )
