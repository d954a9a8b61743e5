"""Auth0 (tenant or custom domain): OpenID Connect and the ``password`` / ``password-realm`` grants.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.auth0.connector:Auth0Connector")
