"""A faithful Cognito user-pools emulator for tests and local sandboxes (loopback only).

moto does not implement choice-based sign-in (``USER_AUTH``: ``EMAIL_OTP``, ``SMS_OTP``,
``SELECT_CHALLENGE``); this emulator does, speaking the real AWS JSON 1.1 protocol so the
connector is exercised through the real boto3 client over HTTP. It also serves
``USER_PASSWORD_AUTH`` with MFA challenges (checking SECRET_HASH over the internal user name,
which moto does not) and the pool's JWKS.

Not imported by the connector; needs nothing beyond idpbridge's core dependencies.
"""

from .model import Client, CognitoFault, CognitoState, Message, Pool, User, totp_code
from .server import FakeCognito

__all__ = ["Client", "CognitoFault", "CognitoState", "FakeCognito", "Message", "Pool", "User", "totp_code"]
