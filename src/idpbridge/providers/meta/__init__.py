"""Meta (Facebook Login): the authorization-code flow with Graph API profile and token checks.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="meta",
    title="Meta (Facebook Login)",
    methods=frozenset({Method.OIDC, Method.TOKEN}),
    connector="idpbridge.providers.meta.connector:MetaConnector",
    extra="meta",
    description="Facebook Login code flow (+ ID token when issued), debug_token app check, Graph /me.",
)
