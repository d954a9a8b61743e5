"""Okta (org or custom authorization server): OpenID Connect, the password grant and TOTP.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="okta",
    title="Okta",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.TOTP}),
    connector="idpbridge.providers.okta.connector:OktaConnector",
    extra="okta",
    description=(
        "Okta org or custom authorization server: code + PKCE, Resource Owner Password grant, TOTP "
        "(Direct Authentication MFA OTP or the Identity Engine Interaction Code flow)."
    ),
)
