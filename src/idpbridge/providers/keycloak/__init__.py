"""Keycloak (one realm): OpenID Connect, the direct access grant, and TOTP in the direct grant.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="keycloak",
    title="Keycloak",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.TOTP}),
    connector="idpbridge.providers.keycloak.connector:KeycloakConnector",
    extra="keycloak",
    description="A Keycloak realm: code + PKCE, direct access grant (with TOTP), typ-checked ID tokens.",
)
