"""Ping Identity PingOne: OpenID Connect, and passwords through the redirectless Flows API.

This module is only the plugin descriptor; the connector loads when a ``pingone`` connector is used.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="pingone",
    title="PingOne",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN}),
    connector="idpbridge.providers.pingone.connector:PingOneConnector",
    extra="pingone",
    description="PingOne: code + PKCE; password via pi.flow (PingOne has no ROPC grant).",
)
