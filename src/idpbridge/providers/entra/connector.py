"""The ``entra`` connector: Microsoft Entra ID v2.0 on the generic OIDC engine.

What differs from generic OIDC is data (``tenants``, ``errors``, ``claims``) plus two quirks
handled here: a tenant given as a domain is named by its id in tokens, so that id is read from the
tenant's discovery document once and pinned; and the app's own signing keys (``?appid=``). The
password (ROPC) grant is refused by the configuration for tenants Entra cannot serve it on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from ...errors import ConfigurationError
from ...identity import ClaimSource, Identity
from ...methods import Method
from ...oidc.claims import ClaimMap
from ...oidc.client import ErrorInfo
from ...oidc.connector import OIDCConnector
from ...oidc.issuer import IssuerPolicy
from ...oidc.metadata import ProviderMetadata
from . import errors, tenants
from .claims import CLAIMS, entra_identity, group_overage
from .config import EntraConfig

__all__ = ["EntraConnector"]


class EntraConnector(OIDCConnector):
    """Microsoft Entra ID: authorization code + PKCE, ROPC, token validation, multi-tenant issuers."""

    name: ClassVar[str] = "entra"
    title: ClassVar[str] = "Microsoft Entra ID"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN})
    Config: ClassVar[type[EntraConfig]] = EntraConfig
    config: EntraConfig

    error_rules = errors.RULES
    claim_map: ClassVar[ClaimMap] = CLAIMS
    probe_password_grant = True

    #: Re-exported for callers: where to fetch groups when the token could not carry them.
    group_overage = staticmethod(group_overage)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.config
        self._learn_tenant = cfg.kind is tenants.TenantKind.DOMAIN and not cfg.allowed_tenants

    # -- data hooks -------------------------------------------------------------------------------

    def endpoint_overrides(self) -> dict[str, str]:
        overrides = super().endpoint_overrides()
        cfg = self.config
        if cfg.app_signing_keys and "jwks_uri" not in cfg.endpoints:
            overrides["jwks_uri"] = (
                f"{cfg.base_url}/{quote(cfg.tenant, safe='')}/discovery/v2.0/keys"
                f"?appid={quote(cfg.client_id, safe='')}"
            )
        return overrides

    def issuer_policy(self) -> IssuerPolicy:
        cfg = self.config
        allowed = cfg.allowed_tenants
        learned = allowed[0] if cfg.kind is tenants.TenantKind.DOMAIN and allowed else None
        return tenants.issuer_policy(
            cfg.base_url,
            cfg.tenant,
            allowed_tenants=None if cfg.allow_any_tenant else allowed,
            learned_tenant=learned,
        )

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        return errors.parse_error(body)

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        return entra_identity(
            claims,
            sources,
            mapping=self.claims,
            connector=self.instance_name,
            issuer=issuer,
            subject_claim=self.config.subject_claim,
        )

    # -- quirks -----------------------------------------------------------------------------------

    async def metadata(self) -> ProviderMetadata:
        """Discovery; for a domain tenant, first learn and pin its tenant id."""
        if self._learn_tenant:
            cfg = self.config
            found = await self.discover(expected_issuer=None)
            tenant_id = tenants.tenant_from_issuer(cfg.base_url, found.issuer)
            if tenant_id is None:
                raise ConfigurationError(
                    f"the discovery document of tenant {cfg.tenant!r} names issuer "
                    f"{found.issuer[:120]!r}, not {tenants.issuer_template(cfg.base_url)!r} with a tenant id",
                    code="config.issuer_mismatch",
                    field="tenant",
                )
            self.pin_issuer(
                tenants.issuer_policy(
                    cfg.base_url, cfg.tenant, allowed_tenants=None, learned_tenant=tenant_id
                )
            )
            self._learn_tenant = False
        return await super().metadata()
