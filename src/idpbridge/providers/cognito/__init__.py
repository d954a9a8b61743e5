"""Amazon Cognito user pools: password, e-mail OTP, SMS OTP (API) and Hosted UI OIDC.

This module is only the plugin descriptor; it imports neither boto3 nor the connector.
"""

from __future__ import annotations

from .sheet import SHEET

__all__ = ["PLUGIN"]

PLUGIN = SHEET.plugin(connector="idpbridge.providers.cognito.connector:CognitoConnector")
