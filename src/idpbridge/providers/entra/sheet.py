"""Entra ID's data sheet: clouds, the multi-tenant issuer rule, claims and error table.

Issuer (v2.0 endpoints): tokens carry ``iss = {authority}/{tid}/v2.0`` where ``tid`` is the user's
*home tenant id* (a GUID), whatever tenant form the application used:

========================  ===============================  =====================================
``tenant``                discovery document ``issuer``    accepted token ``iss``
========================  ===============================  =====================================
GUID                      ``…/{guid}/v2.0``                exactly that, with ``tid == guid``
verified domain           ``…/{guid}/v2.0`` (learned)      exactly that, with ``tid == guid``
``organizations``         ``…/{tenantid}/v2.0`` (template) template with the token's ``tid``,
``common``                ``…/{tenantid}/v2.0`` (template) ``tid`` in ``allowed_tenants``
``consumers``             ``…/{msa-guid}/v2.0``            exactly that (personal accounts)
========================  ===============================  =====================================

Sources: https://github.com/MicrosoftDocs/azure-docs/blob/main/articles/active-directory/develop/id-tokens.md,
https://github.com/AzureAD/microsoft-authentication-library-for-python/blob/dev/msal/authority.py,
https://github.com/python-social-auth/social-core/blob/master/social_core/backends/azuread_tenant.py
and the Entra metadata snapshots in https://github.com/panva/wellknown.

Claims (id-tokens.md above; https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference):
the subject is ``oid`` (immutable, the same for every app in the tenant) by default, ``sub`` is
pairwise per app; ``email`` is optional and **not verified** by Entra (nOAuth): only the
``xms_edov`` optional claim says it is; ``preferred_username`` (UPN, mutable) is the username,
``tid`` the tenant, ``groups`` (object ids) and ``roles`` (app roles) as sent.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from ...kit import ClaimMap, DerivedEndpoints, IssuerRule, Method, ProviderSheet, secure_url
from .errors import ERROR_FIELDS, RULES

__all__ = [
    "APP_KEYS",
    "CLOUD_INSTANCES",
    "ISSUER_RULE",
    "ISSUER_TEMPLATE",
    "MSA_TENANT_ID",
    "ROPC_UNSUPPORTED_TENANTS",
    "SHEET",
    "TENANT_ID",
    "TenantKind",
    "authority",
]

#: Named clouds -> authority host (MSAL Python ``authority.py``, link above). A config may name
#: one of these, give another host, or (sandboxes and tests) an absolute URL.
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

#: The v2.0 issuer of a tenant (id, domain or alias) under an authority.
ISSUER_TEMPLATE = "{authority}/{tenant}/v2.0"

#: ``tid`` of every personal Microsoft account (id-tokens.md; https://github.com/MicrosoftDocs/azure-docs/issues/95994).
MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"

#: A tenant id (a GUID).
TENANT_ID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

#: Tenant aliases the ROPC grant refuses ("not common or consumers"):
#: https://github.com/MicrosoftDocs/azure-docs/blob/main/articles/active-directory/develop/v2-oauth-ropc.md
ROPC_UNSUPPORTED_TENANTS = frozenset({"common", "consumers"})


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


class TenantKind(enum.StrEnum):
    """The forms a configured ``tenant`` takes."""

    ID = "id"
    DOMAIN = "domain"
    ORGANIZATIONS = "organizations"
    COMMON = "common"
    CONSUMERS = "consumers"


def authority(instance: str) -> str:
    """The authority base URL for a cloud name, a host, or an absolute URL (no trailing slash);
    raises ``ValueError``."""
    if instance in CLOUD_INSTANCES:
        return "https://" + CLOUD_INSTANCES[instance]
    if "://" in instance:
        url = secure_url(instance, what="instance").rstrip("/")
        if "?" in url or "#" in url:
            raise ValueError("instance must not carry a query or fragment")
        return url
    if not _HOST.fullmatch(instance):
        names = ", ".join(CLOUD_INSTANCES)
        raise ValueError(f"instance must be a cloud name ({names}), a host or a URL")
    return "https://" + instance.lower()


def issuer_inputs(data: Mapping[str, Any]) -> Mapping[str, str]:
    """``authority`` and ``tenant`` (ids and aliases lower case; a domain as given); an invalid
    ``instance`` raises ``ValueError`` (its field's validator reports it)."""
    tenant = str(data["tenant"])
    base = authority(str(data.get("instance", "public")))
    return {"authority": base, "tenant": tenant if "." in tenant else tenant.lower()}


# organizations/common admit the listed tenants (any, with allow_any_tenant: the config then
# lists none); consumers is the MSA tenant; a domain is named by its id (listed, or learned).
ISSUER_RULE = IssuerRule.tenant(
    ISSUER_TEMPLATE,
    source="tenant and instance",
    inputs=issuer_inputs,
    tenants_field="allowed_tenants",
    tenant_id=TENANT_ID,
    wildcards=("organizations", "common"),
    aliases={"consumers": MSA_TENANT_ID},
    any_tenant_field="allow_any_tenant",
)


def app_keys_inputs(data: Mapping[str, Any]) -> Mapping[str, str] | None:
    """The values of :data:`APP_KEYS` when ``app_signing_keys`` is set (URL-encoded)."""
    from pydantic import TypeAdapter  # loaded when a config is validated, not when sheets are listed

    if not TypeAdapter(bool).validate_python(data.get("app_signing_keys", False)):
        return None
    values = issuer_inputs(data)
    return {
        **values,
        "tenant": quote(values["tenant"], safe=""),
        "appid": quote(str(data["client_id"]), safe=""),
    }


#: ``app_signing_keys``: the app's own key set (a claims-mapping policy signs with it), unless
#: ``endpoints.jwks_uri`` is set.
APP_KEYS = DerivedEndpoints(
    {"jwks_uri": "{authority}/{tenant}/discovery/v2.0/keys?appid={appid}"}, inputs=app_keys_inputs
)


SHEET = ProviderSheet(
    name="entra",
    title="Microsoft Entra ID",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.DEVICE}),
    extra="entra",
    description="Entra ID v2.0: code + PKCE, ROPC with AADSTS classification, multi-tenant issuers.",
    issuer=ISSUER_RULE,
    claims=ClaimMap(
        email="email",
        email_verified="xms_edov",  # the e-mail's domain owner is verified (optional claim)
        phone_number=None,
        phone_number_verified=None,
        username="preferred_username",
        tenant="tid",
        groups="groups",
        roles="roles",
    ),
    error_rules=RULES,
    error_fields=ERROR_FIELDS,
    # What MSAL and Microsoft's samples send; Entra also lists client_secret_basic.
    default_auth_method="client_secret_post",
    probe_password_grant=True,
    derived_endpoints=(APP_KEYS,),
    sources={
        "method.device": "doc:https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code",
        "endpoints": "doc:https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens",
        "issuer": "doc:https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference ; "
        "doc:https://github.com/AzureAD/microsoft-authentication-library-for-python/blob/dev/"
        "msal/authority.py ; "
        "UNCONFIRMED[entra.consumers-issuer] the /consumers discovery issuer",
        "claims": "doc:https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference ; "
        "doc:https://learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference",
        "method.oidc": "doc:https://learn.microsoft.com/en-us/entra/identity-platform/"
        "v2-oauth2-auth-code-flow",
        "method.password": "doc:https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth-ropc ; "
        "seen:https://github.com/openshift/cluster-authentication-operator/pull/248",
        "method.token": "doc:https://learn.microsoft.com/en-us/entra/identity-platform/"
        "id-token-claims-reference",
    },
)
