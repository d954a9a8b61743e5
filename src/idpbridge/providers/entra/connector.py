"""The ``entra`` connector: Microsoft Entra ID v2.0 on the generic OIDC engine (data in :mod:`.sheet`).

The multi-tenant issuer policy is the sheet's tenant rule (a :class:`~idpbridge.kit.TenantIssuer`
built by the engine). The quirks, given to the engine as :meth:`EntraConnector.engine_hooks`:
AADSTS codes in error bodies, and ``oid``/``tid`` read only from validated tokens. A tenant given
as a domain is named by its id in tokens, so that id is read from the tenant's discovery document
once and pinned (:meth:`EntraConnector.metadata`). The app's own signing keys (``?appid=``) are
an endpoint the configuration fills in.
The password (ROPC) grant is refused by the configuration for tenants Entra cannot serve it on.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from ...kit import (
    ClaimSource,
    ConfigurationError,
    EngineHooks,
    Identity,
    OIDCConnector,
    ProviderMetadata,
    TenantIssuer,
    TokenValidationError,
)
from .config import EntraConfig, is_guid
from .errors import parse_error
from .sheet import ISSUER_RULE, SHEET, TenantKind

__all__ = ["EntraConnector", "entra_identity", "group_overage"]

#: Sources trusted for ``oid``/``tid``/``sub``: a token we validated ourselves.
TOKEN_SOURCES = frozenset({ClaimSource.ID_TOKEN, ClaimSource.EXTERNAL_TOKEN})
_PLACEHOLDER = "{tenantid}"


def group_overage(claims: Mapping[str, Any]) -> str | None:
    """Where to fetch the groups when the token has too many to carry them, else ``None``.

    Returns the Graph endpoint named in ``_claim_sources`` (or ``"graph"`` when Entra only says
    that there are groups, as with ``hasgroups``); see
    https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference (groups).
    """
    names = claims.get("_claim_names")
    if isinstance(names, Mapping) and isinstance(names.get("groups"), str):
        sources = claims.get("_claim_sources")
        source = sources.get(names["groups"]) if isinstance(sources, Mapping) else None
        endpoint = source.get("endpoint") if isinstance(source, Mapping) else None
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.config
        self._learn_tenant = cfg.kind is TenantKind.DOMAIN and not cfg.allowed_tenants

    def engine_hooks(self) -> EngineHooks:
        """AADSTS error bodies and the ``oid``/``tid`` identity (the tenant policy is the sheet's rule)."""
        identity = functools.partial(entra_identity, subject_claim=self.config.subject_claim)
        return EngineHooks(parse_error=parse_error, identity=identity)

    async def metadata(self) -> ProviderMetadata:
        """Discovery; for a domain tenant, first learn and pin its tenant id."""
        if self._learn_tenant:
            policy = cast(TenantIssuer, self.policy)  # the sheet's tenant rule, before the id is known
            found = await self.discover(expected_issuer=None)
            prefix, _, suffix = policy.template.partition(_PLACEHOLDER)
            tenant_id = found.issuer.removeprefix(prefix).removesuffix(suffix)
            ok = found.issuer.startswith(prefix) and found.issuer.endswith(suffix)
            if not (ok and is_guid(tenant_id) and tenant_id == tenant_id.lower()):
                raise ConfigurationError(
                    f"the discovery document of tenant {self.config.tenant!r} names issuer "
                    f"{found.issuer[:120]!r}, not {policy.template!r} with a tenant id",
                    code="config.issuer_mismatch",
                    field="tenant",
                )
            cfg = self.config
            self.pin_issuer(ISSUER_RULE.policy(cfg.issuer, dict(cfg), learned=tenant_id))
            self._learn_tenant = False
        return await super().metadata()
