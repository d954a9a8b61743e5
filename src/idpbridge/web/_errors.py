"""Typed errors as HTTP answers: a status, the stable machine code and a message safe to show.

The message never comes from the IdP or from the exception text: it is chosen from the error's
class, so nothing a provider said (or a secret that slipped into a message) reaches the browser.
"""

from __future__ import annotations

import dataclasses
import math

from ..errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    ExpiredCode,
    FlowError,
    IdpBridgeError,
    InvalidCode,
    PasswordChangeRequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenValidationError,
    UserCancelled,
    UserNotConfirmed,
)
from ..jit.errors import ConcurrentChange, JITError, LinkConflict, StoreError
from ..methods import InvalidRequest
from ..orgs import OrganizationError
from ..replay import ReplayStoreError

__all__ = ["HttpError", "http_error"]


@dataclasses.dataclass(frozen=True, slots=True)
class HttpError:
    """How to answer an :class:`~idpbridge.IdpBridgeError` over HTTP.

    ``status`` is 400, 401, 403, 409, 429, 500, 502 or 503; ``code`` the error's stable machine
    code; ``message`` a fixed sentence for people (never the IdP's words); ``retry_after`` whole
    seconds for a ``Retry-After`` header, when the IdP asked for a pause.
    """

    status: int
    code: str
    message: str
    retry_after: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        """``Retry-After`` when there is one."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def json(self) -> dict[str, object]:
        """The body of a JSON answer: ``{"error": code, "message": message}``."""
        return {"error": self.code, "message": self.message}


_WRONG = "The sign-in details are not correct."
_RESTART = "This sign-in has expired or was already used. Please start again."

# (class, status, message): the first isinstance match wins, so subclasses come first.
_TABLE: tuple[tuple[type[IdpBridgeError], int, str], ...] = (
    (InvalidCode, 401, "The code is not correct."),
    (ExpiredCode, 401, "The code has expired. Please ask for a new one."),
    (AccountLocked, 403, "This account is locked. Try again later or contact support."),
    (AccountDisabled, 403, "This account is disabled."),
    (PasswordChangeRequired, 403, "The password must be changed at the old sign-in service first."),
    (UserNotConfirmed, 403, "This account is not confirmed yet."),
    (UserCancelled, 403, "The sign-in was cancelled."),
    (ConsentRequired, 403, "The sign-in needs your consent at the identity provider."),
    (AuthenticationFailed, 401, _WRONG),
    (TokenValidationError, 401, "The identity provider's answer could not be verified."),
    (ReplayStoreError, 503, "Sign-in is temporarily unavailable. Please try again."),
    (FlowError, 400, _RESTART),
    (RateLimited, 429, "Too many attempts. Please wait a moment and try again."),
    (ProviderUnavailable, 503, "The identity provider is unavailable. Please try again later."),
    (ProviderError, 502, "The identity provider answered unexpectedly. Please try again later."),
    (OrganizationError, 400, "No organization signs in with this address."),
    (LinkConflict, 409, "This account cannot be linked automatically. Please contact support."),
    (ConcurrentChange, 409, "This account changed during sign-in. Please try again."),
    (StoreError, 503, "Sign-in is temporarily unavailable. Please try again."),
    (JITError, 403, "This account cannot be migrated automatically. Please contact support."),
    (InvalidRequest, 400, "The request is not complete."),
    (ConfigurationError, 500, "Sign-in is not configured correctly."),
)


def http_error(exc: IdpBridgeError) -> HttpError:
    """The HTTP answer for ``exc`` (500 for an error this table does not know, e.g. a plugin's)."""
    for cls, status, message in _TABLE:
        if isinstance(exc, cls):
            return HttpError(status, exc.code, message, _seconds(exc.retry_after))
    return HttpError(500, exc.code, "Sign-in failed unexpectedly.", None)


def _seconds(value: float | None) -> int | None:
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return min(math.ceil(value), 3600)
