"""Sign in with Apple: code flow with ``form_post`` and a minted ES256 client secret.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.apple.connector:AppleConnector")
