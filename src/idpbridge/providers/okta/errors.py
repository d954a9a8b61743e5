"""Okta error answers: the two envelopes and the classification table.

Okta's token endpoint speaks two dialects (``reference/providers.md`` §2.4): OAuth
(``error``/``error_description``) and its management-API envelope (``errorCode``/
``errorSummary``/``errorLink``/``errorId``/``errorCauses``), e.g. for an unknown client id or a
rate limit. :func:`okta_error` reads both; :data:`RULES` is tried first, then the standard OAuth
rules. Rows marked UNCONFIRMED are best guesses to check against a live org (§15).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...classify import PASSWORD, STANDARD_OAUTH_RULES, ErrorRule
from ...errors import ConfigurationError, InvalidCredentials, RateLimited
from ...oidc.client import ErrorInfo, oauth_error

__all__ = ["RULES", "okta_error"]


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def okta_error(body: Mapping[str, Any]) -> ErrorInfo:
    """OAuth fields first, Okta's ``errorCode``/``errorSummary`` as fallback and provider code."""
    oauth = oauth_error(body)
    code = _text(body, "errorCode")
    return ErrorInfo(
        error=oauth.error or code,
        description=oauth.description or _text(body, "errorSummary"),
        provider_code=code,
    )


RULES: tuple[ErrorRule, ...] = (
    # UNCONFIRMED wording for the token endpoint (seen in IDX, §2.6): the user is not assigned to the app.
    ErrorRule(
        description_contains="not assigned to",
        raises=ConfigurationError,
        code="config.user_not_assigned",
        message="the user is not assigned to this Okta application",
    ),
    # 400 invalid_grant "The credentials provided were invalid.": wrong password, unknown user and
    # locked-out user alike — Okta's ROPC does not say which (§2.4).
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        raises=InvalidCredentials,
        message="invalid username or password",
    ),
    # 429 {"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many
    # requests."} (okta/okta-auth-js test/support/xhr/error-throttle.js).
    ErrorRule(provider_code="E0000047", raises=RateLimited, message="Okta's rate limit was exceeded"),
    # UNCONFIRMED: the app's sign-on / authorization-server access policy refuses the grant.
    ErrorRule(
        error="access_denied",
        description_contains="policy evaluation failed",
        raises=ConfigurationError,
        code="config.policy_denied",
        message="an Okta access policy denied this request; check the authorization server's policy rules",
    ),
    # 403 mfa_required (+mfa_token), 401 invalid_client (either envelope), 400 unauthorized_client:
    # the standard rules; the connector seals the mfa_token into MFARequired.continuation.
    *STANDARD_OAUTH_RULES,
)
