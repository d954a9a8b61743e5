"""A faithful Cognito user-pools emulator for tests and local sandboxes (loopback only).

moto does not implement choice-based sign-in (``USER_AUTH``: ``EMAIL_OTP``, ``SMS_OTP``,
``SELECT_CHALLENGE``) nor the Hosted UI; this emulator does, speaking the real AWS JSON 1.1
protocol so the connector is exercised through the real boto3 client over HTTP. It also serves
``USER_PASSWORD_AUTH`` with MFA challenges (checking SECRET_HASH over the internal user name,
which moto does not), the Hosted UI's ``/oauth2/*`` endpoints and the pool's JWKS.

Part of the sandbox (providers never import it); needs nothing beyond idpbridge's core dependencies.
"""

from .entities import Client, CognitoFault, Message, Pool, User, totp_code
from .model import CognitoState
from .server import CognitoApp, FakeCognito

__all__ = [
    "Client",
    "CognitoApp",
    "CognitoFault",
    "CognitoState",
    "FakeCognito",
    "Message",
    "Pool",
    "User",
    "totp_code",
]
