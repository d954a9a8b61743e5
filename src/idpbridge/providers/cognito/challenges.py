"""Cognito's auth challenges as data: what each one asks for and how to answer it.

Sources: ``ChallengeNameType`` and the ``RespondToAuthChallengeRequest.ChallengeResponses``
documentation in botocore's cognito-idp model (``reference/providers.md`` §4.5, §4.6).
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from ...methods import OTPChannel

__all__ = [
    "CODE_CHALLENGES",
    "FIRST_FACTOR",
    "MFA_FACTORS",
    "SELECTABLE_MFA",
    "UNSUPPORTED",
    "CodeChallenge",
]


@dataclasses.dataclass(frozen=True, slots=True)
class CodeChallenge:
    """A challenge answered with a one-time code."""

    name: str
    """``ChallengeName``."""
    response_key: str
    """The ``ChallengeResponses`` key carrying the code."""
    kind: str
    """:class:`~idpbridge.InputField` kind: ``"totp"`` or ``"otp"``."""
    channel: OTPChannel | None
    """Where Cognito sent the code (``None``: an authenticator app)."""


CODE_CHALLENGES = MappingProxyType(
    {
        c.name: c
        for c in (
            CodeChallenge("EMAIL_OTP", "EMAIL_OTP_CODE", "otp", OTPChannel.EMAIL),
            CodeChallenge("SMS_OTP", "SMS_OTP_CODE", "otp", OTPChannel.SMS),
            CodeChallenge("SMS_MFA", "SMS_MFA_CODE", "otp", OTPChannel.SMS),
            # In the API docs but not in botocore's enum; handled in case the service sends it.
            CodeChallenge("EMAIL_MFA", "EMAIL_MFA_CODE", "otp", OTPChannel.EMAIL),
            CodeChallenge("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE", "totp", None),
        )
    }
)

#: The ``PREFERRED_CHALLENGE`` / ``SELECT_CHALLENGE`` answer for a passwordless first factor.
FIRST_FACTOR = MappingProxyType({OTPChannel.EMAIL: "EMAIL_OTP", OTPChannel.SMS: "SMS_OTP"})

#: ``SELECT_MFA_TYPE`` answers (the model documents ``SMS_MFA|EMAIL_MFA|SOFTWARE_TOKEN_MFA``).
SELECTABLE_MFA = frozenset({"SMS_MFA", "EMAIL_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA"})

#: ``MFAS_CAN_SETUP`` / ``MFAS_CAN_CHOOSE`` entries -> factor names in :class:`~idpbridge.MFARequired`.
MFA_FACTORS = MappingProxyType(
    {"SOFTWARE_TOKEN_MFA": "totp", "SMS_MFA": "sms", "EMAIL_OTP": "email", "EMAIL_MFA": "email"}
)

#: Challenges this connector does not answer, and why (raised as a typed error, never dropped).
UNSUPPORTED = MappingProxyType(
    {
        "CUSTOM_CHALLENGE": "custom authentication (Lambda) challenges are not supported",
        "PASSWORD_VERIFIER": "SRP sign-in is not used by this connector",
        "PASSWORD_SRP": "SRP sign-in is not used by this connector",
        "DEVICE_SRP_AUTH": "device authentication is not supported",
        "DEVICE_PASSWORD_VERIFIER": "device authentication is not supported",
        "WEB_AUTHN": "passkey (WebAuthn) sign-in is not supported",
        "PASSWORD": "password as a choice-based first factor is served by the password method",
        "ADMIN_NO_SRP_AUTH": "admin authentication flows are not used by this connector",
    }
)
