"""Amazon Cognito user pools: password, e-mail OTP, SMS OTP (API) and Hosted UI OIDC.

This module is only the plugin descriptor; it imports neither boto3 nor the connector.
"""

from __future__ import annotations

from ...methods import Method
from ...registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="cognito",
    title="Amazon Cognito",
    methods=frozenset({Method.PASSWORD, Method.EMAIL_OTP, Method.SMS_OTP, Method.OIDC}),
    connector="idpbridge.providers.cognito.connector:CognitoConnector",
    requires=("boto3",),
    extra="cognito",
    description="Cognito user pools: USER_PASSWORD_AUTH, choice-based sign-in (USER_AUTH) and the Hosted UI.",
)
