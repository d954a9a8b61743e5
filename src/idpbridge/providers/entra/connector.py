"""The ``entra`` connector: Microsoft Entra ID v2.0 on the generic OIDC engine (data in :mod:`.sheet`).

The quirks, given to the engine as :meth:`EntraConnector.engine_hooks`: the multi-tenant issuer
policy (the sheet's tenant rule as a :class:`~idpbridge.kit.TenantIssuer`), AADSTS codes in error
bodies, and ``oid``/``tid`` read only from validated tokens. A tenant given as a domain is named
by its id in tokens, so that id is read from the tenant's discovery document once and pinned
(:meth:`EntraConnector.metadata`). The app's own signing keys (``?appid=``) are an endpoint the
configuration fills in.
The password (ROPC) grant is refused by the configuration for tenants Entra cannot serve it on.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

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
from ...oidc.claims import ClaimMap, build_identity
from .config import EntraConfig, is_guid
from .errors import parse_error
from .sheet import ISSUER_TEMPLATE, MSA_TENANT_ID, SHEET, TenantKind

__all__ = ["EntraConnector", "group_overage", "tenant_policy"]

#: Sources trusted for ``oid``/``tid``/``sub``: a token we validated ourselves.
TOKEN_SOURCES = frozenset({ClaimSource.ID_TOKEN, ClaimSource.EXTERNAL_TOKEN})
_PLACEHOLDER = "{tenantid}"


def tenant_policy(config: EntraConfig, learned_tenant: str | None = None) -> TenantIssuer:
    """The issuer policy for the configured tenant (see the table in :mod:`.sheet`).

    ``allowed_tenants`` restricts ``organizations``/``common`` (``allow_any_tenant`` admits any
    tenant, still with the exact issuer check). A domain tenant needs its id: the configured
    ``allowed_tenants[0]`` or ``learned_tenant`` (read from its discovery document); before that
    the policy admits nothing.
    """
    base, tenant, kind = config.base_url, config.tenant, config.kind
    template = ISSUER_TEMPLATE.format(authority=base, tenant=_PLACEHOLDER)
    disco = ISSUER_TEMPLATE.format(authority=base, tenant=tenant)
    if kind in (TenantKind.ORGANIZATIONS, TenantKind.COMMON):
        allowed = None if config.allow_any_tenant else config.allowed_tenants
        return TenantIssuer(template, discovery_issuer=disco, allowed_tenants=allowed)
    if kind is TenantKind.DOMAIN:
        fixed = learned_tenant or (config.allowed_tenants or (None,))[0]
    else:  # UNCONFIRMED: that the /consumers discovery document names the MSA tenant concretely.
        fixed = MSA_TENANT_ID if kind is TenantKind.CONSUMERS else tenant
    if fixed is None:  # a domain whose tenant id is not known yet
        return TenantIssuer(template, discovery_issuer=disco, allowed_tenants=())
    return TenantIssuer(
        template,
        discovery_issuer=disco,
        allowed_tenants=(fixed,),
        metadata_issuer=template.replace(_PLACEHOLDER, fixed),
    )


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
    claims: Mapping[str, Any],
    sources: Mapping[str, ClaimSource],
    issuer: str,
    *,
    mapping: ClaimMap,
    connector: str,
    subject_claim: str,
) -> Identity:
    """The identity for merged Entra claims; ``oid``/``tid`` only from a validated token.

    core candidate: an identity hook given the engine's default identity (and a subject claim in
    the claim map) would make this a refinement; see ``keycloak_identity``.
    """
    _token_claim(claims, sources, "tid")
    subject = _token_claim(claims, sources, subject_claim)
    return build_identity(
        claims,
        sources,
        mapping=mapping,
        provider=SHEET.name,
        connector=connector,
        issuer=issuer,
        subject=subject,
    )


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
        """The tenant issuer policy, AADSTS error bodies and the ``oid``/``tid`` identity."""
        cfg = self.config
        identity = functools.partial(
            entra_identity,
            mapping=SHEET.claims.with_overrides(cfg.claim_mapping),
            connector=self.instance_name,
            subject_claim=cfg.subject_claim,
        )
        return EngineHooks(
            issuer_policy=functools.partial(tenant_policy, cfg), parse_error=parse_error, identity=identity
        )

    async def metadata(self) -> ProviderMetadata:
        """Discovery; for a domain tenant, first learn and pin its tenant id."""
        if self._learn_tenant:
            policy = tenant_policy(self.config)
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
            self.pin_issuer(tenant_policy(self.config, tenant_id))
            self._learn_tenant = False
        return await super().metadata()
