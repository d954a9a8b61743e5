"""Microsoft Entra ID (v2.0 endpoints): OpenID Connect and the password (ROPC) grant.

This module is only the plugin descriptor; the connector loads when an ``entra`` connector is used.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.entra.connector:EntraConnector")
