"""Microsoft Entra ID (v2.0 endpoints): OpenID Connect and the password (ROPC) grant.

This module is only the plugin descriptor; the connector loads when an ``entra`` connector is used.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="entra",
    title="Microsoft Entra ID",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN}),
    connector="idpbridge.providers.entra.connector:EntraConnector",
    extra="entra",
    description="Entra ID v2.0: code + PKCE, ROPC with AADSTS classification, multi-tenant issuers.",
)
