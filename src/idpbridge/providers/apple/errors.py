"""Sign in with Apple error classification: Apple's rows first, then the standard OAuth table.

Sources: https://github.com/Timothylock/go-signin-with-apple/issues/39 and
https://github.com/ananay/apple-auth/issues/41 for the code errors; laravel-sign-in-with-apple#9
for ``invalid_client`` on a client secret whose ``exp`` is too far ahead.
"""

from __future__ import annotations

from ...errors import ConfigurationError, ExpiredCode, UserCancelled
from ...kit import AUTHORIZATION_CODE, AUTHORIZE, STANDARD_OAUTH_RULES, ErrorRule

__all__ = ["RULES"]

#: Apple's ErrorResponse reference (the ``error`` values of the token endpoint).
DOCS = "doc:https://developer.apple.com/documentation/sign_in_with_apple/errorresponse"

RULES: tuple[ErrorRule, ...] = (
    # -- authorization response (form_post) ---------------------------------------------------
    # The user closed Apple's sheet.
    ErrorRule(
        error="user_cancelled_authorize",
        source="seen:https://github.com/aboutyou/dart_packages/pull/97",
        context=AUTHORIZE,
        raises=UserCancelled,
        message="the user cancelled",
    ),
    # -- token endpoint ------------------------------------------------------------------------
    ErrorRule(
        error="invalid_grant",
        description_contains="already been used",
        source="seen:https://developer.apple.com/forums/thread/726004",
        context=AUTHORIZATION_CODE,
        raises=ExpiredCode,
        message="the authorization code has already been used",
    ),
    ErrorRule(
        error="invalid_grant",
        description_contains="expired or has been revoked",
        source="seen:https://github.com/ananay/apple-auth/issues/41",
        context=AUTHORIZATION_CODE,
        raises=ExpiredCode,
        message="the authorization code has expired or has been revoked",
    ),
    # Wrong team/key id, wrong key, exp more than six months ahead, wrong Services ID.
    ErrorRule(
        error="invalid_client",
        source=DOCS,
        raises=ConfigurationError,
        code="config.invalid_client",
        message="Apple rejected the client secret (check team_id, key_id, the .p8 key and client_id)",
    ),
    *STANDARD_OAUTH_RULES,
)
