"""PingOne's data sheet: regions, the environment base and issuer rule, claims and errors.

Every URL of an environment hangs off one base, ``https://auth.pingone.{tld}/{environmentId}``:
the issuer is ``{base}/as`` (exact), the Flows API ``{base}/flows/{flowId}``, resume
``{base}/as/resume?flowId=…``. With a custom domain the base is the domain's origin
(``https://login.acme.com``): idpbridge takes ``base_url`` as given, with or without an
environment id in its path, so the custom domain's layout is the operator's to state).
Sources: the region hosts of PingOne's API-domains page; the issuer as in the ID-token example of
https://github.com/malewars/buildanswer (``tokens.md``); the flow URLs from
https://apidocs.pingidentity.com/pingone/main/v1/api/src/use-cases/authorization-and-authentication/use-login-and-mfa-actions-to-authenticate-users/step-16:-submit-login-credentials/

Claims: ``sub`` is the PingOne user id by default (configurable by attribute mapping); ``env``
names the environment (the tenant), ``org`` the organization (same ID-token example). Profile,
e-mail and phone claims come with their scopes; ``email_verified`` only when
mapped (taken strictly). Groups need a custom attribute mapping, conventionally named ``groups``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet, base_url
from .errors import RULES

__all__ = ["REGION_TLDS", "SHEET", "environment_base"]

#: Region -> top-level domain of ``auth.pingone.{tld}`` (and ``api.pingone.{tld}``).
REGION_TLDS: Mapping[str, str] = MappingProxyType(
    {"NA": "com", "CA": "ca", "EU": "eu", "AU": "com.au", "SG": "sg", "AP": "asia"}
)


def environment_base(region: str, environment_id: str, base_url: str | None = None) -> str:
    """The environment's base URL (no trailing slash)."""
    if base_url:
        return base_url.rstrip("/")
    return f"https://auth.pingone.{REGION_TLDS[region.upper()]}/{environment_id.lower()}"


def _base(data: Mapping[str, Any]) -> Mapping[str, str] | None:
    """``{"base": …}`` for the issuer template (``None``, ``KeyError`` or ``ValueError``: invalid fields)."""
    region, env, base = data.get("region", "NA"), data.get("environment_id"), data.get("base_url")
    if isinstance(base, str) and base:
        return {"base": base_url(base, what="base_url", allow_path=True)}
    return (
        {"base": environment_base(region, env)} if isinstance(region, str) and isinstance(env, str) else None
    )


_DISCOVERY = (
    "doc:https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/"
    "discovery-openid-configuration.html"
)

SHEET = ProviderSheet(
    name="pingone",
    title="PingOne",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.DEVICE, Method.CIBA}),
    extra="pingone",
    description="PingOne: code + PKCE; password via pi.flow (PingOne has no ROPC grant).",
    issuer=IssuerRule.derived("{base}/as", source="region and environment_id (or base_url)", inputs=_base),
    claims=ClaimMap(tenant="env", groups="groups", roles=None),
    error_rules=RULES,
    tenant=("environment_id",),
    sources={
        "method.device": "doc:https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/"
        "device-authorization-grant.html",
        "method.ciba": "doc:https://developer.pingidentity.com/pingone-api/foundations/"
        "authentication-concepts/authorization-flow-by-grant-type/ciba-grant-type.html",
        "issuer": _DISCOVERY + " ; doc:https://developer.pingidentity.com/pingone-api/before-you-begin/"
        "index.html#pingone-api-domains",
        "claims": "seen:https://github.com/malewars/buildanswer/blob/main/tokens.md",
        "method.oidc": _DISCOVERY,
        "method.password": "doc:https://developer.pingidentity.com/pingone-api/auth/flows.md ; "
        "doc:https://developer.pingidentity.com/pingone-api/getting-started/simple-sso-workflow/"
        "step-6-submit-login-credentials.html ; "
        "UNCONFIRMED[pingone.flow-lock] where a flow puts PASSWORD_LOCKED_OUT",
        "method.token": _DISCOVERY,
        "flow_statuses": "doc:https://developer.pingidentity.com/pingone-api/auth/flows.md",
    },
)
