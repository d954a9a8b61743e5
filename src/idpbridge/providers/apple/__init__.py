"""Sign in with Apple: code flow with ``form_post`` and a minted ES256 client secret.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="apple",
    title="Sign in with Apple",
    methods=frozenset({Method.OIDC, Method.TOKEN}),
    connector="idpbridge.providers.apple.connector:AppleConnector",
    extra="apple",
    description="form_post code flow, ES256 client secret minted from the .p8 key, first-login name.",
)
