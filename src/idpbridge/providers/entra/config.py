"""Configuration of the ``entra`` connector: the issuer follows from ``tenant`` and ``instance``
by the rule in :mod:`.sheet`."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from ...kit import Method, OIDCConfig, ProviderSheet
from .sheet import ISSUER_RULE, ROPC_UNSUPPORTED_TENANTS, SHEET, TENANT_ID, TenantKind, authority

__all__ = ["EntraConfig", "tenant_kind"]

#: Entra access tokens live a random 60-90 minutes; ID tokens one hour ("Token lifetime" in
#: https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens).
ENTRA_MAX_EXTERNAL_TOKEN_AGE = 5400

_GUID = re.compile(TENANT_ID)
_DOMAIN = re.compile(r"(?=.{3,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def tenant_kind(tenant: str) -> TenantKind:
    """Classify a configured tenant; raises :class:`ValueError` for anything else."""
    lowered = tenant.lower()
    if lowered in ("organizations", "common", "consumers"):
        return TenantKind(lowered)
    if _GUID.fullmatch(tenant):
        return TenantKind.ID
    if _DOMAIN.fullmatch(tenant):
        return TenantKind.DOMAIN
    raise ValueError(
        "must be a tenant id (GUID), a verified domain (contoso.onmicrosoft.com), "
        "'organizations', 'common' or 'consumers'"
    )


class EntraConfig(OIDCConfig):
    """Settings of a Microsoft Entra ID (v2.0) application.

    ``issuer`` is not set by hand: it follows from ``tenant`` and ``instance``.
    """

    sheet: ClassVar[ProviderSheet | None] = SHEET

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
    # 90 minutes, not the generic hour, so a valid access token handed in with the token method is
    # not refused before it expires.
    max_external_token_age: float = Field(
        ENTRA_MAX_EXTERNAL_TOKEN_AGE,
        ge=60,
        le=86400,
        allow_inf_nan=False,
        description="Maximum iat age (s) of an ExternalToken; Entra access tokens live 60-90 min.",
    )

    @field_validator("tenant")
    @classmethod
    def _check_tenant(cls, value: str) -> str:
        return value if tenant_kind(value) is TenantKind.DOMAIN else value.lower()

    @field_validator("instance")
    @classmethod
    def _check_instance(cls, value: str) -> str:
        authority(value)
        return value

    @field_validator("allowed_tenants")
    @classmethod
    def _check_allowed(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value or not all(_GUID.fullmatch(t) for t in value):
            raise ValueError("must be a non-empty list of tenant ids (GUIDs)")
        return tuple(sorted({t.lower() for t in value}))

    @model_validator(mode="after")
    def _check_tenant_rules(self) -> Self:
        if Method.PASSWORD in self.enabled_methods and self.tenant in ROPC_UNSUPPORTED_TENANTS:
            raise ValueError(
                f"methods: Entra's password (ROPC) grant does not work with tenant '{self.tenant}'; "
                "use the tenant id, a verified domain or 'organizations' (a second connector can "
                "keep this one for oidc)"
            )
        ISSUER_RULE.check_tenants(dict(self), title="Entra")
        return self

    @property
    def kind(self) -> TenantKind:
        """The form of :attr:`tenant`."""
        return tenant_kind(self.tenant)

    @property
    def base_url(self) -> str:
        """The authority base URL (``https://login.microsoftonline.com``)."""
        return authority(self.instance)
