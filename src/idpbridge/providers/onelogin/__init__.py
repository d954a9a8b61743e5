"""OneLogin (OIDC v2): OpenID Connect and the password grant.

This module is only the plugin descriptor; the connector loads when a ``onelogin`` connector is used.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.onelogin.connector:OneLoginConnector")
