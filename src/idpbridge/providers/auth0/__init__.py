"""Auth0 (tenant or custom domain): OpenID Connect and the ``password`` / ``password-realm`` grants.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="auth0",
    title="Auth0",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN}),
    connector="idpbridge.providers.auth0.connector:Auth0Connector",
    extra="auth0",
    description="Auth0 tenant or custom domain: code + PKCE, password and password-realm grants.",
)
