"""OneLogin error classification table (provider rules first, then the standard OAuth ones).

Documented answers (https://developers.onelogin.com/openid-connect/api/password-grant):
``400 invalid_request "Resource not found"`` (an unknown client_id), ``400
unsupported_grant_type``, and a 401 when the authorization header is wrong. Bodies for a wrong
password, an unknown, locked or MFA-enrolled user are not documented: they are expected as
``invalid_grant`` (``UNCONFIRMED[onelogin.password-errors]``), and the description rules below
are best guesses.
"""

from __future__ import annotations

from ...classify import sourced
from ...errors import (
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
)
from ...kit import PASSWORD, STANDARD_OAUTH_RULES, ErrorRule

__all__ = ["RULES"]

_AUTH = (
    "OneLogin rejected the client authentication: check client_secret and that the app's Token "
    "Endpoint authentication method matches token_endpoint_auth_method"
)

DOCS = "doc:https://developers.onelogin.com/openid-connect/api/password-grant"
_GUESS = "UNCONFIRMED[onelogin.password-errors] OneLogin documents no body for it"
_MFA = (
    _GUESS + " ; doc:https://github.com/onelogin/onelogin-oidc-node/blob/"
    "0982ae06248ad363e133f1641d854e0299b3a5fc/3.%20Password%20Grant/README.md"
)

RULES: tuple[ErrorRule, ...] = (
    ErrorRule(
        error="invalid_request",
        description_contains="Resource not found",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="OneLogin does not know this client_id",
    ),
    # The password grant does not support MFA users: it fails "with a message indicating the MFA
    # requirement" (OneLogin's sample README; onelogin/onelogin-oidc-node#18).
    *(
        ErrorRule(
            error="invalid_grant", context=PASSWORD, description_contains=n, raises=MFARequired, source=_MFA
        )
        for n in ("mfa", "multi-factor", "two-factor")
    ),
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        description_contains="locked",
        raises=AccountLocked,
        source=_GUESS,
    ),
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        description_contains="expired",
        raises=PasswordChangeRequired,
        source=_GUESS,
    ),
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        description_contains="not assigned",
        raises=AuthenticationFailed,
        code="not_assigned",
        message="the user is not assigned to this OneLogin app",
        source=_GUESS + " ; seen:https://github.com/onelogin/onelogin-oidc-node/issues/18",
    ),
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        raises=InvalidCredentials,
        message="invalid username or password",
        source=_GUESS + " ; spec:https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
    ),
    ErrorRule(error="invalid_client", raises=ConfigurationError, code="config.invalid_client", message=_AUTH),
    # A 401 without a usable body: the Authorization header (or body credentials) were refused.
    ErrorRule(status=401, raises=ConfigurationError, code="config.invalid_client", message=_AUTH),
    *STANDARD_OAUTH_RULES,
)
RULES = sourced(DOCS, RULES)
