"""Refusal kinds of a legacy answer and the typed errors they raise."""

from __future__ import annotations

from ...kit import (
    AccountDisabled,
    AccountLocked,
    IdpBridgeError,
    InvalidCredentials,
    TokenValidationError,
    UserNotFound,
)

__all__ = ["refusal"]

_MESSAGES = {
    "invalid_credentials": "invalid username or password",
    "user_not_found": "the legacy system knows no such user",
    "locked": "the legacy system locked this account",
    "disabled": "the legacy system disabled this account",
    "invalid_token": "the legacy system did not accept this token",
}


def refusal(kind: str, *, method: str) -> IdpBridgeError:
    """The typed error for a refusal ``kind`` (``None``-safe: unknown kinds use the default)."""
    message = _MESSAGES.get(kind, _MESSAGES["invalid_credentials"])
    if kind == "user_not_found":
        return UserNotFound(message)
    if kind == "locked":
        return AccountLocked(message)
    if kind == "disabled":
        return AccountDisabled(message)
    if method == "token":
        return TokenValidationError(_MESSAGES["invalid_token"], code="token.invalid")
    return InvalidCredentials(message)
