"""OneLogin's data sheet: the OIDC v2 issuer rule, claims and errors.

Issuer (exact): ``https://{subdomain}.onelogin.com/oidc/2``; with a custom domain,
``{base_url}/oidc/2``. The legacy v1 hosts (``openid-connect[-eu].onelogin.com/oidc``) were
removed on 2021-04-20. Sources: https://developers.onelogin.com/openid-connect/api/provider-config,
https://developers.onelogin.com/openid-connect/api/authorization-code-grant and
https://developers.onelogin.com/openid-connect/api/password-grant.

Claims: ``sub`` is the OneLogin user id (subject type ``public``, stable). OneLogin advertises no
``email_verified`` claim, so e-mail is never treated as verified. ``groups`` (with the ``groups``
scope) holds roles or groups as the app's "Groups" parameter says. The tenant is the
account (subdomain or custom domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ...errors import ConfigurationError
from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet
from .errors import RULES

__all__ = ["ISSUER_PATH", "LEGACY_V1_HOSTS", "REGION_HOSTS", "SHEET"]

#: Region -> parent domain of ``{subdomain}.<domain>``: EU-hosted accounts use the same
#: ``onelogin.com`` OIDC v2 host (the v2 page has no region; only the removed v1 API had an ``-eu`` host).
REGION_HOSTS: Mapping[str, str] = MappingProxyType({"us": "onelogin.com", "eu": "onelogin.com"})
#: Path of the OIDC v2 issuer below the account's origin.
ISSUER_PATH = "/oidc/2"
#: Hosts of the removed OIDC v1 API; configurations copied from old docs point here.
LEGACY_V1_HOSTS = frozenset({"openid-connect.onelogin.com", "openid-connect-eu.onelogin.com"})


def _origin(data: Mapping[str, Any]) -> Mapping[str, str] | None:
    """``{"origin": …}`` from ``base_url`` or ``subdomain``/``region`` (``None``: fields invalid)."""
    base, sub = data.get("base_url"), data.get("subdomain")
    if isinstance(base, str) and base:
        from ...http import require_secure_url  # httpx loads on use, not when connectors are listed

        try:
            return {"origin": require_secure_url(base, what="base_url").rstrip("/")}
        except ConfigurationError:
            return None
    region = data.get("region", "us")
    if isinstance(sub, str) and isinstance(region, str) and region in REGION_HOSTS:
        return {"origin": f"https://{sub.lower()}.{REGION_HOSTS[region]}"}
    return None


SHEET = ProviderSheet(
    name="onelogin",
    title="OneLogin",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN}),
    extra="onelogin",
    description="OneLogin OIDC v2: code + PKCE or the password grant (one connector per app).",
    issuer=IssuerRule.derived("{origin}" + ISSUER_PATH, source="subdomain (or base_url)", inputs=_origin),
    claims=ClaimMap(
        email="email",
        email_verified=None,
        phone_number="phone_number",
        phone_number_verified=None,
        username="preferred_username",
        groups="groups",
        roles=None,
    ),
    error_rules=RULES,
    probe_password_grant=True,
    tenant=("subdomain", "custom_host"),
    # the app's one "Token Endpoint" setting: Basic for the code flow, POST for the password grant
    auth_methods={Method.OIDC: "client_secret_basic", Method.PASSWORD: "client_secret_post"},
    sources={
        "issuer": "doc:https://developers.onelogin.com/openid-connect/api/provider-config ; "
        "doc:https://developers.onelogin.com/openid-connect/api/password-grant",
        "claims": "doc:https://developers.onelogin.com/openid-connect/api/provider-config",
        "method.oidc": "doc:https://developers.onelogin.com/openid-connect/api/authorization-code-grant",
        "method.password": "doc:https://developers.onelogin.com/openid-connect/api/password-grant ; "
        "UNCONFIRMED[onelogin.password-errors] the failure bodies",
        "method.token": "doc:https://developers.onelogin.com/openid-connect/api/provider-config",
    },
)
