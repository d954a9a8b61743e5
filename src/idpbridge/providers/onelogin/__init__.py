"""OneLogin (OIDC v2): OpenID Connect and the password grant.

This module is only the plugin descriptor; the connector loads when a ``onelogin`` connector is used.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="onelogin",
    title="OneLogin",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN}),
    connector="idpbridge.providers.onelogin.connector:OneLoginConnector",
    extra="onelogin",
    description="OneLogin OIDC v2: code + PKCE or the password grant (one connector per app).",
)
