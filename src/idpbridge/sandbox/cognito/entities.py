"""The Cognito emulator's data: pools, app clients, users, "sent" messages, error documents."""

from __future__ import annotations

import dataclasses
import uuid

from .._otp import totp_code

__all__ = ["Client", "CognitoFault", "Message", "Pool", "User", "totp_code"]


class CognitoFault(Exception):
    """An AWS JSON error document: ``{"__type": error_type, "message": message}``."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type, self.message, self.status = error_type, message, status


@dataclasses.dataclass
class User:
    """A user. ``username`` is the internal name (a UUID when the pool signs in by e-mail)."""

    username: str
    password: str | None = None
    attributes: dict[str, str] = dataclasses.field(default_factory=dict)
    status: str = "CONFIRMED"  # UNCONFIRMED | CONFIRMED | RESET_REQUIRED | FORCE_CHANGE_PASSWORD
    enabled: bool = True
    groups: list[str] = dataclasses.field(default_factory=list)
    mfa: str | None = None  # SOFTWARE_TOKEN_MFA | SMS_MFA | EMAIL_OTP | "SELECT" (both TOTP and SMS)
    totp_secret: str | None = None
    sub: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))


@dataclasses.dataclass
class Client:
    """An app client."""

    client_id: str
    secret: str | None = None
    flows: frozenset[str] = frozenset(
        {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    )
    prevent_user_existence_errors: str = "ENABLED"  # or LEGACY
    #: ``False`` answers every USER_AUTH with SELECT_CHALLENGE (as for a client sending no preference).
    honour_preferred_challenge: bool = True
    #: Hosted UI: registered callback URLs (compared exactly) and allowed OAuth scopes.
    callback_urls: tuple[str, ...] = ()
    scopes: frozenset[str] = frozenset({"openid", "email", "profile", "phone"})


@dataclasses.dataclass
class Pool:
    """A user pool. ``username_attributes`` = ``("email",)`` makes e-mail the sign-in name."""

    pool_id: str
    region: str
    username_attributes: tuple[str, ...] = ()
    first_factors: frozenset[str] = frozenset({"PASSWORD", "EMAIL_OTP", "SMS_OTP"})
    mfa_required: bool = False
    clients: dict[str, Client] = dataclasses.field(default_factory=dict)
    users: dict[str, User] = dataclasses.field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    def find(self, name: str) -> User | None:
        """By user name, or by a sign-in attribute (e-mail/phone) when the pool allows it."""
        if name in self.users:
            return self.users[name]
        for user in self.users.values():
            if any(user.attributes.get(a) == name for a in self.username_attributes):
                return user
        return None


@dataclasses.dataclass(frozen=True)
class Message:
    """A code the emulator "sent"."""

    channel: str  # EMAIL | SMS
    destination: str
    code: str
    username: str
