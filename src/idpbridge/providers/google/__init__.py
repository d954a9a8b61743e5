"""Google (Sign in with Google): OpenID Connect code + PKCE, and Google ID-token validation.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.google.connector:GoogleConnector")
