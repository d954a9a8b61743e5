"""Meta (Facebook Login): the authorization-code flow with Graph API profile and token checks.

This module is only the plugin descriptor; the connector loads on first use.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.meta.connector:MetaConnector")
