"""Meta error classification: the Graph error envelope as a data table.

Graph errors look like ``{"error": {"message": …, "type": "OAuthException", "code": 100,
"error_subcode": 36009, "fbtrace_id": …}}``. :func:`graph_error` turns that into the engine's
``ErrorInfo``: ``error`` is the code as a string (``"100"``), ``provider_code`` is
``"code/subcode"`` (``"100/36009"``) or the code alone. Rows match on ``provider_code`` for a
specific subcode and on ``error`` for a whole code. Sources: the Graph error envelope and the
rate-limit codes as handled in
https://github.com/python-social-auth/social-core/blob/master/social_core/backends/facebook.py
and Meta's error-handling guide (:data:`DOCS`, the source of rows that name no other).

The callback's own errors (``error=access_denied&error_reason=user_denied``) fall through to the
standard table; a callback that carries only ``error_code``/``error_message`` (social-core
``process_error``) is classified here by its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...classify import sourced
from ...errors import (
    AccountDisabled,
    ConfigurationError,
    ExpiredCode,
    InvalidCode,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UserCancelled,
)
from ...kit import AUTHORIZE, STANDARD_OAUTH_RULES, ErrorInfo, ErrorRule
from ...sheet import oauth_error  # cheap: no HTTP or JOSE when connectors are listed

__all__ = ["RATE_LIMIT_CODES", "RULES", "graph_error"]

#: Application, user, page and custom rate limits (social-core ``facebook.py``).
RATE_LIMIT_CODES = ("4", "17", "32", "613")

#: Meta's Graph API error-handling guide (codes 1, 2, 4, 17, 32, 100, 190, 368, 613, the envelope).
DOCS = "doc:https://developers.facebook.com/docs/graph-api/guides/error-handling"
_GUESS = "UNCONFIRMED[meta.graph-codes] "


RULES: tuple[ErrorRule, ...] = (
    # -- authorization response ---------------------------------------------------------------
    # A denial reported only as error_code=200 ("Permissions error"), without error=access_denied
    # (social-core raises AuthCanceled on any error_code). Meta sends error=access_denied as well.
    ErrorRule(
        error="200",
        context=AUTHORIZE,
        raises=UserCancelled,
        message="the user declined",
        source="seen:https://github.com/miled/wordpress-social-login/issues/229",
    ),
    # -- code exchange -------------------------------------------------------------------------
    ErrorRule(provider_code="100/36009", raises=ExpiredCode, message="the authorization code has been used"),
    ErrorRule(
        provider_code="100/36007",
        raises=ExpiredCode,
        message="the authorization code has expired",
        source="seen:https://github.com/rizen/Facebook-Graph/issues/33",
    ),
    # Older answers carry code 100 and the text only (rizen/Facebook-Graph#33).
    ErrorRule(
        error="100",
        description_contains="has expired",
        raises=ExpiredCode,
        message="the authorization code has expired",
        source="seen:https://github.com/rizen/Facebook-Graph/issues/33",
    ),
    # The redirect_uri of the exchange differs from the dialog's: every public capture is code 100 with
    # no subcode, "Error validating verification code. Please make sure your redirect_uri is identical
    # to the one you used in the OAuth dialog request" (github.com/scribejava/scribejava/issues/605,
    # github.com/facebookarchive/php-graph-sdk/issues/980). It must win over the rule below.
    ErrorRule(
        error="100",
        description_contains="redirect_uri",
        raises=ConfigurationError,
        code="config.redirect_uri",
        message="the redirect URI differs from the one sent to the dialog",
        source="seen:https://github.com/scribejava/scribejava/issues/605 ; "
        "seen:https://github.com/facebookarchive/php-graph-sdk/issues/980",
    ),
    # "Invalid verification code format." (no subcode)
    ErrorRule(
        error="100",
        description_contains="verification code",
        source=_GUESS + "the wording of a malformed code's answer",
        raises=InvalidCode,
        message="the authorization code is not valid",
    ),
    # -- app credentials -----------------------------------------------------------------------
    ErrorRule(
        error="1",
        description_contains="client secret",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="Meta rejected the app secret",
    ),
    ErrorRule(
        error="101",
        raises=ConfigurationError,
        message="Meta does not know this app id",
        code="config.invalid_client",
        source=_GUESS + "code 101 for an unknown app id",
    ),
    # "URL blocked" / redirect URI not whitelisted in the app's Facebook Login settings
    ErrorRule(
        error="191",
        raises=ConfigurationError,
        message="the redirect URI is not allowed by the app's Facebook Login settings",
        code="config.redirect_uri",
        source=_GUESS + "code 191 for a redirect URI the app does not allow",
    ),
    # -- throttling and availability ------------------------------------------------------------
    *(
        ErrorRule(
            error=c, raises=RateLimited, message="Meta is rate limiting this app or user", retryable=True
        )
        for c in RATE_LIMIT_CODES
    ),
    ErrorRule(error="2", raises=ProviderUnavailable, message="Meta's service is temporarily unavailable"),
    # -- tokens and accounts ----------------------------------------------------------------------
    ErrorRule(
        error="190",
        raises=ProviderError,
        message="Meta rejected the access token",
        code="provider.token_rejected",
    ),
    ErrorRule(error="368", raises=AccountDisabled, message="the account is temporarily blocked by Meta"),
    *STANDARD_OAUTH_RULES,
)
RULES = sourced(DOCS, RULES)


def graph_error(body: Mapping[str, Any]) -> ErrorInfo:
    """The machine-readable fields of a Graph error envelope (or of a plain OAuth error)."""
    err = body.get("error")
    if not isinstance(err, Mapping):
        return oauth_error(body)
    code, sub, message = err.get("code"), err.get("error_subcode"), err.get("message")
    code_s = str(code) if isinstance(code, int) and not isinstance(code, bool) else None
    sub_s = str(sub) if isinstance(sub, int) and not isinstance(sub, bool) else None
    return ErrorInfo(
        error=code_s,
        description=message if isinstance(message, str) and message else None,
        provider_code=f"{code_s}/{sub_s}" if code_s and sub_s else code_s,
    )
