"""Google (Sign in with Google): OpenID Connect code + PKCE, and Google ID-token validation.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="google",
    title="Google",
    methods=frozenset({Method.OIDC, Method.TOKEN}),
    connector="idpbridge.providers.google.connector:GoogleConnector",
    extra="google",
    description="Sign in with Google: code + PKCE, both issuer spellings, hosted-domain (hd) restriction.",
)
