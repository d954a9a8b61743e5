"""Okta error answers: the two envelopes and the classification table.

Okta's token endpoint speaks two dialects (``reference/providers.md`` §2.4): OAuth
(``error``/``error_description``) and its management-API envelope (``errorCode``/
``errorSummary``/``errorLink``/``errorId``/``errorCauses``), e.g. for an unknown client id or a
rate limit. :func:`okta_error` reads both; :data:`RULES` is tried first, then the standard OAuth
rules. Rows marked UNCONFIRMED are best guesses to check against a live org (§15).

The ``totp`` method adds the Direct Authentication grants' answers (context = their grant type)
and :data:`IDX_RULES`, which classify Identity Engine ``messages`` (§2.6) by their ``i18n.key``
(the provider code) and text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...classify import PASSWORD, STANDARD_OAUTH_RULES, ErrorRule
from ...errors import (
    AccountLocked,
    ConfigurationError,
    ExpiredCode,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
    ProviderError,
    RateLimited,
    UserNotFound,
)
from ...oidc.client import ErrorInfo, oauth_error
from .wire import INTERACTION_CODE_GRANT, MFA_OTP_GRANT, OTP_GRANT

__all__ = ["IDX", "IDX_RULES", "RULES", "okta_error"]

#: The context of IDX answers (``classify(..., context=IDX)``).
IDX = "idx"


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
    # -- totp, Direct Authentication (wire.py): the code after mfa_required, or as primary factor --
    # UNCONFIRMED: a spent or expired mfa_token named in the description.
    ErrorRule(
        error="invalid_grant",
        context=MFA_OTP_GRANT,
        description_contains="expired",
        raises=ExpiredCode,
        message="the MFA transaction expired; sign in again",
    ),
    # UNCONFIRMED: a wrong code is invalid_grant (the standard meaning of a refused grant).
    ErrorRule(error="invalid_grant", context=MFA_OTP_GRANT, raises=InvalidCode, message="the code is wrong"),
    ErrorRule(error="invalid_grant", context=OTP_GRANT, raises=InvalidCode, message="the code is wrong"),
    # UNCONFIRMED (Auth0's dialect of the same grant family): no OTP authenticator enrolled.
    *(
        ErrorRule(
            error=e,
            raises=MFARequired,
            code="mfa_enrollment_required",
            message="the user has no TOTP authenticator enrolled at Okta",
        )
        for e in ("mfa_registration_required", "unsupported_challenge_type")
    ),
    ErrorRule(
        error="invalid_grant",
        context=INTERACTION_CODE_GRANT,
        raises=ExpiredCode,
        message="the interaction code is invalid, expired or already used",
    ),
    # 403 mfa_required (+mfa_token), 401 invalid_client (either envelope), 400 unauthorized_client:
    # the standard rules; the connector seals the mfa_token into MFARequired.continuation.
    *STANDARD_OAUTH_RULES,
)


def _idx(
    key: str, raises: type[IdpBridgeError], message: str | None = None, *, code: str | None = None
) -> ErrorRule:
    return ErrorRule(provider_code=key, context=IDX, raises=raises, message=message, code=code)


#: IDX ``messages`` (okta-auth-js test/support/idx/factories/errors.ts, guardian/gateway idx docs,
#: okta-idx-golang mocks; providers.md §2.6), then :data:`RULES` (user not assigned, rate limits).
IDX_RULES: tuple[ErrorRule, ...] = (
    _idx("incorrectPassword", InvalidCredentials, "invalid username or password"),
    _idx("errors.E0000004", InvalidCredentials, "invalid username or password"),
    # class INFO, shown only when the org reveals unknown users.
    _idx("idx.unknown.user", UserNotFound, "Okta has no account with this username"),
    _idx("api.authn.error.PASSCODE_INVALID", InvalidCode, "the code is wrong"),
    _idx("authfactor.challenge.soft_token.invalid_passcode", InvalidCode, "the code is wrong"),
    _idx("oie.tooManyRequests", RateLimited, "Okta's rate limit was exceeded"),
    _idx("idx.session.expired", ExpiredCode, "the Okta sign-in session expired; start again"),
    # UNCONFIRMED in IDX: the lockout message (E0000119 "Your account is locked…" is the classic
    # Authentication API's; §15 #6), and any ERROR text saying the account is locked.
    _idx("errors.E0000119", AccountLocked, "the account is locked at Okta"),
    ErrorRule(context=IDX, description_contains="account is locked", raises=AccountLocked),
    _idx(
        "api.error.field_required",
        ConfigurationError,
        "Okta refused an incomplete IDX request",
        code="config.idx_request",
    ),
    _idx("security.access_denied", ProviderError, code="provider.access_denied"),
    *RULES,
)
