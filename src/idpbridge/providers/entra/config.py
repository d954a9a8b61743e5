"""Configuration of the ``entra`` connector: the issuer is derived from ``tenant`` and ``instance``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from ...errors import ConfigurationError
from ...methods import Method
from ...oidc.config import DerivedIssuerConfig
from .tenants import (
    ROPC_UNSUPPORTED_TENANTS,
    TenantKind,
    discovery_issuer,
    instance_url,
    is_guid,
    normalize_tenant,
    tenant_kind,
)

__all__ = ["EntraConfig"]

#: What MSAL and Microsoft's samples send; Entra also lists client_secret_basic.
DEFAULT_AUTH_METHOD = "client_secret_post"
#: Entra access tokens live a random 60-90 minutes; ID tokens one hour.
ENTRA_MAX_EXTERNAL_TOKEN_AGE = 5400
#: Stands in for the issuer while tenant/instance are invalid (their own errors are reported).
_UNSET_ISSUER = "https://entra.invalid"


class EntraConfig(DerivedIssuerConfig):
    """Settings of a Microsoft Entra ID (v2.0) application.

    ``issuer`` is not set by hand: it follows from ``tenant`` and ``instance``.
    """

    tenant: str = Field(
        description="Tenant id (GUID), verified domain, or 'organizations' / 'common' / 'consumers'."
    )
    instance: str = Field(
        "public",
        description="Cloud: public, usgov, china, gov-fr, gov-de, gov-sg, or an authority host/URL.",
    )
    allowed_tenants: tuple[str, ...] | None = Field(
        None,
        description="Tenant ids whose users may sign in (required for organizations/common "
        "unless allow_any_tenant).",
    )
    allow_any_tenant: bool = Field(
        False, description="organizations/common: accept users of every tenant (issuer still exact)."
    )
    subject_claim: Literal["oid", "sub"] = Field(
        "oid", description="oid: the object id, stable across apps (default); sub: pairwise per app."
    )
    app_signing_keys: bool = Field(
        False, description="The app has its own signing keys (claims-mapping policy): JWKS ?appid=."
    )
    fetch_userinfo: bool = Field(False, description="Graph UserInfo needs a Graph access token.")
    # Entra gives each access token a random lifetime of 60 to 90 minutes (Microsoft identity
    # platform docs, "Access tokens", Token lifetime): 90 minutes, not the generic hour, so a valid
    # access token handed in with the token method is not refused before it expires.
    max_external_token_age: float = Field(
        ENTRA_MAX_EXTERNAL_TOKEN_AGE,
        ge=60,
        le=86400,
        allow_inf_nan=False,
        description="Maximum iat age (s) of an ExternalToken; Entra access tokens live 60-90 min.",
    )

    issuer_source: ClassVar[str] = "tenant and instance"

    @classmethod
    def derive_issuer(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        tenant, instance = data.get("tenant"), data.get("instance", "public")
        try:
            issuer = discovery_issuer(instance_url(str(instance)), normalize_tenant(str(tenant)))
        except (ConfigurationError, ValueError):
            issuer = _UNSET_ISSUER  # the field validators report what is wrong
        out = {**data, "issuer": issuer}
        if out.get("client_secret") and "token_endpoint_auth_method" not in out:
            out["token_endpoint_auth_method"] = DEFAULT_AUTH_METHOD
        return out

    @field_validator("tenant")
    @classmethod
    def _check_tenant(cls, value: str) -> str:
        return normalize_tenant(value)

    @field_validator("instance")
    @classmethod
    def _check_instance(cls, value: str) -> str:
        try:
            instance_url(value)
        except ConfigurationError as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("allowed_tenants")
    @classmethod
    def _check_allowed(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        bad = [t for t in value if not is_guid(t)]
        if bad or not value:
            raise ValueError("must be a non-empty list of tenant ids (GUIDs)")
        return tuple(sorted({t.lower() for t in value}))

    @model_validator(mode="after")
    def _check_tenant_rules(self) -> Self:
        kind = self.kind
        if Method.PASSWORD in self.enabled_methods and self.tenant in ROPC_UNSUPPORTED_TENANTS:
            raise ValueError(
                f"methods: Entra's password (ROPC) grant does not work with tenant '{self.tenant}'; "
                "use the tenant id, a verified domain or 'organizations' (a second connector can "
                "keep this one for oidc)"
            )
        multi = kind in (TenantKind.ORGANIZATIONS, TenantKind.COMMON)
        if multi and not self.allowed_tenants and not self.allow_any_tenant:
            raise ValueError(
                f"allowed_tenants: tenant '{self.tenant}' admits users of any Entra tenant; list the "
                "tenant ids to accept, or set allow_any_tenant = true"
            )
        if self.allow_any_tenant and self.allowed_tenants:
            raise ValueError("allowed_tenants: set either allowed_tenants or allow_any_tenant, not both")
        if kind is TenantKind.ID and self.allowed_tenants not in (None, (self.tenant,)):
            raise ValueError("allowed_tenants: a tenant id connector accepts only that tenant")
        if kind is TenantKind.DOMAIN and self.allowed_tenants is not None and len(self.allowed_tenants) != 1:
            raise ValueError("allowed_tenants: give the one tenant id of the domain (or leave it unset)")
        if kind is TenantKind.CONSUMERS and self.allowed_tenants is not None:
            raise ValueError("allowed_tenants: not used with 'consumers'")
        return self

    @property
    def kind(self) -> TenantKind:
        """The form of :attr:`tenant`."""
        return tenant_kind(self.tenant)

    @property
    def base_url(self) -> str:
        """The authority base URL (``https://login.microsoftonline.com``)."""
        return instance_url(self.instance)
