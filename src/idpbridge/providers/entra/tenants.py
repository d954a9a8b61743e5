"""Entra cloud instances, tenant forms, endpoint templates and the issuer rule.

Tokens from the v2.0 endpoints carry ``iss = https://{instance}/{tid}/v2.0`` where ``tid`` is the
user's *home tenant id* (a GUID), whatever tenant form the application used:

========================  ===============================  =====================================
``tenant``                discovery document ``issuer``    accepted token ``iss``
========================  ===============================  =====================================
GUID                      ``…/{guid}/v2.0``                exactly that, with ``tid == guid``
verified domain           ``…/{guid}/v2.0`` (learned)      exactly that, with ``tid == guid``
``organizations``         ``…/{tenantid}/v2.0`` (template) template with the token's ``tid``,
``common``                ``…/{tenantid}/v2.0`` (template) ``tid`` in ``allowed_tenants``
``consumers``             ``…/{msa-guid}/v2.0``            exactly that (personal accounts)
========================  ===============================  =====================================

Sources: ``reference/providers.md`` §5.1-5.2 (MSAL ``authority.py``, social-core ``azuread_tenant``,
the Entra metadata snapshots in panva/wellknown, the id-tokens reference page).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from ...errors import ConfigurationError
from ...http import require_secure_url
from ...oidc.issuer import TenantIssuer

__all__ = [
    "CLOUD_INSTANCES",
    "MSA_TENANT_ID",
    "ROPC_UNSUPPORTED_TENANTS",
    "TenantKind",
    "discovery_issuer",
    "instance_url",
    "issuer_for",
    "issuer_policy",
    "issuer_template",
    "normalize_tenant",
    "tenant_from_issuer",
    "tenant_kind",
]

#: Named clouds -> authority host. A config may name one of these, give another host, or (for
#: sandboxes and tests) an absolute URL. Source: MSAL Python ``authority.py`` ``_HOSTS_BY_CLOUD``.
CLOUD_INSTANCES: Mapping[str, str] = MappingProxyType(
    {
        "public": "login.microsoftonline.com",
        "usgov": "login.microsoftonline.us",
        "china": "login.partner.microsoftonline.cn",  # MSAL lists login.chinacloudapi.cn as deprecated
        "gov-fr": "login.sovcloud-identity.fr",
        "gov-de": "login.sovcloud-identity.de",
        "gov-sg": "login.sovcloud-identity.sg",
    }
)

#: ``tid`` of every personal Microsoft account (id-tokens reference; MicrosoftDocs/azure-docs#95994).
MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"

#: Tenant aliases the ROPC grant refuses (v2-oauth-ropc.md: "not common or consumers").
ROPC_UNSUPPORTED_TENANTS = frozenset({"common", "consumers"})

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DOMAIN = re.compile(r"(?=.{3,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_PLACEHOLDER = "{tenantid}"


class TenantKind(enum.StrEnum):
    """The forms a configured ``tenant`` takes."""

    ID = "id"
    DOMAIN = "domain"
    ORGANIZATIONS = "organizations"
    COMMON = "common"
    CONSUMERS = "consumers"


def is_guid(value: str) -> bool:
    """Whether ``value`` is a tenant id (GUID)."""
    return bool(_GUID.fullmatch(value))


def tenant_kind(tenant: str) -> TenantKind:
    """Classify a configured tenant; raises :class:`ValueError` for anything else."""
    lowered = tenant.lower()
    if lowered in ("organizations", "common", "consumers"):
        return TenantKind(lowered)
    if is_guid(tenant):
        return TenantKind.ID
    if _DOMAIN.fullmatch(tenant):
        return TenantKind.DOMAIN
    raise ValueError(
        "must be a tenant id (GUID), a verified domain (contoso.onmicrosoft.com), "
        "'organizations', 'common' or 'consumers'"
    )


def normalize_tenant(tenant: str) -> str:
    """Tenant ids and aliases in the lower case Entra uses in URLs and ``tid``."""
    kind = tenant_kind(tenant)
    return tenant if kind is TenantKind.DOMAIN else tenant.lower()


def instance_url(instance: str) -> str:
    """The authority base URL for a cloud name, a host, or an absolute URL (no trailing slash)."""
    if instance in CLOUD_INSTANCES:
        return "https://" + CLOUD_INSTANCES[instance]
    if "://" in instance:
        url = require_secure_url(instance, what="instance").rstrip("/")
        if "?" in url or "#" in url:
            raise ConfigurationError("instance must not carry a query or fragment", field="instance")
        return url
    if not _HOST.fullmatch(instance):
        raise ConfigurationError(
            "instance must be a cloud name (" + ", ".join(CLOUD_INSTANCES) + "), a host or a URL",
            field="instance",
        )
    return "https://" + instance.lower()


def issuer_template(base: str) -> str:
    """``{base}/{tenantid}/v2.0``: the multi-tenant issuer template."""
    return f"{base}/{_PLACEHOLDER}/v2.0"


def issuer_for(base: str, tenant_id: str) -> str:
    """The issuer of tokens for users whose home tenant is ``tenant_id``."""
    return f"{base}/{tenant_id}/v2.0"


def discovery_issuer(base: str, tenant: str) -> str:
    """The issuer-shaped prefix of the discovery URL for the configured tenant form."""
    return f"{base}/{tenant}/v2.0"


def tenant_from_issuer(base: str, issuer: str) -> str | None:
    """The tenant id in a concrete issuer of this instance, or ``None`` if it is not one."""
    prefix, suffix = f"{base}/", "/v2.0"
    if not (issuer.startswith(prefix) and issuer.endswith(suffix)):
        return None
    tenant = issuer[len(prefix) : -len(suffix)]
    return tenant if is_guid(tenant) and tenant == tenant.lower() else None


def issuer_policy(
    base: str,
    tenant: str,
    *,
    allowed_tenants: Iterable[str] | None,
    learned_tenant: str | None = None,
) -> TenantIssuer:
    """The issuer policy for ``tenant`` (see the module table).

    ``allowed_tenants`` restricts ``organizations``/``common`` (``None`` admits any tenant, still
    with the exact issuer check). For a domain tenant pass the tenant id ``learned_tenant`` read
    from its discovery document; before that the policy admits nothing.
    """
    kind = tenant_kind(tenant)
    template = issuer_template(base)
    disco = discovery_issuer(base, tenant)
    if kind in (TenantKind.ORGANIZATIONS, TenantKind.COMMON):
        return TenantIssuer(template, discovery_issuer=disco, allowed_tenants=allowed_tenants)
    fixed = {
        TenantKind.ID: tenant,
        # UNCONFIRMED: that the /consumers discovery document names the MSA tenant concretely.
        TenantKind.CONSUMERS: MSA_TENANT_ID,
        TenantKind.DOMAIN: learned_tenant,
    }[kind]
    if fixed is None:  # a domain whose tenant id is not known yet
        return TenantIssuer(template, discovery_issuer=disco, allowed_tenants=())
    return TenantIssuer(
        template,
        discovery_issuer=disco,
        allowed_tenants=(fixed,),
        metadata_issuer=issuer_for(base, fixed),
    )
