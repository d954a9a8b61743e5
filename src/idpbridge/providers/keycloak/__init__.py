"""Keycloak (one realm): OpenID Connect, the direct access grant, and TOTP in the direct grant.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.keycloak.connector:KeycloakConnector")
