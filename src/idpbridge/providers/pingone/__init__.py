"""Ping Identity PingOne: OpenID Connect, and passwords through the redirectless Flows API.

This module is only the plugin descriptor; the connector loads when a ``pingone`` connector is used.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.pingone.connector:PingOneConnector")
