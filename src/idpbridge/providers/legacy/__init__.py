"""Legacy (home-grown) HTTP API: check passwords and validate legacy tokens through a REST service.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.legacy.connector:LegacyConnector")
