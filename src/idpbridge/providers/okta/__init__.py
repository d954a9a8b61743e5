"""Okta (org or custom authorization server): OpenID Connect, the password grant and TOTP.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.okta.connector:OktaConnector")
