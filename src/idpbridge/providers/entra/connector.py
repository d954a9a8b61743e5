"""The ``entra`` connector: Microsoft Entra ID v2.0 on the generic OIDC engine (data in :mod:`.sheet`).

The multi-tenant issuer policy is the sheet's tenant rule (a :class:`~idpbridge.kit.TenantIssuer`
built by the engine; a tenant given as a domain is named by its id in tokens, so the engine reads
that id from the tenant's discovery document once and pins it). The quirks, given to the engine
as :meth:`EntraConnector.engine_hooks`: AADSTS codes in error bodies, and ``oid``/``tid`` read
only from validated tokens. The app's own signing keys (``?appid=``) are
an endpoint the configuration fills in.
The password (ROPC) grant is refused by the configuration for tenants Entra cannot serve it on.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from ...kit import (
    ClaimSource,
    EngineHooks,
    Identity,
    OIDCConnector,
    TokenValidationError,
    dig,
)
from .config import EntraConfig
from .errors import parse_error
from .sheet import SHEET

__all__ = ["EntraConnector", "entra_identity", "group_overage"]

#: Sources trusted for ``oid``/``tid``/``sub``: a token we validated ourselves.
TOKEN_SOURCES = frozenset({ClaimSource.ID_TOKEN, ClaimSource.EXTERNAL_TOKEN})


def group_overage(claims: Mapping[str, Any]) -> str | None:
    """Where to fetch the groups when the token has too many to carry them, else ``None``.

    Returns the Graph endpoint named in ``_claim_sources`` (or ``"graph"`` when Entra only says
    that there are groups, as with ``hasgroups``); see
    https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference (groups).
    """
    names = claims.get("_claim_names")
    if isinstance(names, Mapping) and isinstance(names.get("groups"), str):
        endpoint = dig(claims, "_claim_sources", names["groups"], "endpoint")
        return endpoint if isinstance(endpoint, str) and endpoint else "graph"
    return "graph" if claims.get("hasgroups") is True else None


def _token_claim(claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value or sources.get(name) not in TOKEN_SOURCES:
        hint = " (request the profile scope, or set subject_claim = 'sub')" if name == "oid" else ""
        raise TokenValidationError(f"the Entra token has no {name} claim{hint}", code="token.claim")
    return value


def entra_identity(
    identity: Identity, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], *, subject_claim: str
) -> Identity:
    """The claim map's identity keyed by ``subject_claim``; ``tid`` and it only from a validated token."""
    _token_claim(claims, sources, "tid")
    return dataclasses.replace(identity, subject=_token_claim(claims, sources, subject_claim))


class EntraConnector(OIDCConnector):
    """Microsoft Entra ID: authorization code + PKCE, ROPC, token validation, multi-tenant issuers."""

    sheet = SHEET
    Config: ClassVar[type[EntraConfig]] = EntraConfig
    config: EntraConfig

    #: Re-exported for callers: where to fetch groups when the token could not carry them.
    group_overage = staticmethod(group_overage)

    def engine_hooks(self) -> EngineHooks:
        """AADSTS error bodies and the ``oid``/``tid`` identity (the tenant policy is the sheet's rule)."""
        identity = functools.partial(entra_identity, subject_claim=self.config.subject_claim)
        return EngineHooks(parse_error=parse_error, identity=identity)
