"""Okta error answers: the error-body fields, the grant contexts and the classification tables.

Okta's token endpoint speaks two dialects: OAuth (``error``/``error_description``) and its
management-API envelope (``errorCode``/``errorSummary``/``errorLink``/``errorId``/``errorCauses``),
e.g. for an unknown client id or a rate limit
(https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/vuepress-site/docs/guides/implement-grant-type/main/ropassword/use-flow.md).
The sheet reads both (:data:`ERROR_FIELDS`, :data:`PROVIDER_CODE_FIELDS`); :data:`RULES` is tried
first, then the standard OAuth rules. Each row names its source (``source=``; the default is
:data:`ROPC_DOC`).

The ``totp`` method adds the Direct Authentication grants' answers (context = their grant type)
and :data:`IDX_RULES`, which classify Identity Engine ``messages`` by their ``i18n.key`` (the
provider code) and text (https://github.com/okta/okta-idx-golang/blob/master/error.go,
https://github.com/okta/okta-auth-js/blob/master/test/support/idx/factories/errors.ts).
"""

from __future__ import annotations

from ...classify import sourced
from ...kit import (
    PASSWORD,
    STANDARD_OAUTH_RULES,
    AccountLocked,
    ConfigurationError,
    ErrorRule,
    ExpiredCode,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
    ProviderError,
    RateLimited,
    UserNotFound,
)

__all__ = [
    "ERROR_FIELDS",
    "IDX",
    "IDX_RULES",
    "INTERACTION_CODE_GRANT",
    "MFA_OTP_GRANT",
    "OTP_GRANT",
    "PROVIDER_CODE_FIELDS",
    "RULES",
]

# -- contexts: the grants whose answers the rows below classify ------------------------------------

#: Second factor after ``403 mfa_required``, with ``mfa_token`` + ``otp`` (+ ``scope``):
#: https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/vuepress-site/docs/guides/configure-direct-auth-grants/main/bmfaotp/use-flow.md
MFA_OTP_GRANT = "http://auth0.com/oauth/grant-type/mfa-otp"
#: TOTP as the primary factor, ``login_hint`` + ``otp`` (no password):
#: https://github.com/okta/okta-developer-docs/tree/master/packages/@okta/vuepress-site/docs/guides/configure-direct-auth-grants
OTP_GRANT = "urn:okta:params:oauth:grant-type:otp"
#: Token exchange at the end of an IDX login, ``interaction_code`` + ``code_verifier``
#: (https://github.com/okta/okta-idx-golang/blob/master/idx.go, ``RedeemInteractionCode``).
INTERACTION_CODE_GRANT = "interaction_code"
#: The context of IDX answers (``classify(..., context=IDX)``).
IDX = "idx"

#: ``(error keys, description keys)`` of an error body, OAuth's first, then Okta's envelope.
ERROR_FIELDS = (("error", "errorCode"), ("error_description", "errorSummary"))
#: Where Okta's own error code (the provider code) is.
PROVIDER_CODE_FIELDS = ("errorCode",)


_ENROL, _NO_TOTP = "mfa_enrollment_required", "the user has no TOTP authenticator enrolled at Okta"

#: Okta's Resource Owner Password guide (the token endpoint's answers and both envelopes).
ROPC_DOC = (
    "doc:https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/vuepress-site/docs/"
    "guides/implement-grant-type/main/ropassword/use-flow.md"
)
_WIDGET = "vendor:okta/okta-signin-widget@5225c54fdab58649a28936fbe60f39ff8fb31834:"
#: Okta's own sign-in widget replays copies of real IDX answers in its tests.
_MOCKS = _WIDGET + "playground/mocks/data/idp/idx/"
#: Okta publishes no error answer of the Direct Authentication OTP grants.
_DIRECT = "UNCONFIRMED[okta.direct-errors] "

RULES: tuple[ErrorRule, ...] = (
    # The user is not assigned to the app ("User is not assigned to the client application.").
    ErrorRule(
        description_contains="not assigned to",
        source=_WIDGET + "test/e2e/features/oidc.feature ; " + _MOCKS + "error-400-user-not-assigned.json",
        raises=ConfigurationError,
        code="config.user_not_assigned",
        message="the user is not assigned to this Okta application",
    ),
    # 400 invalid_grant "The credentials provided were invalid.": wrong password, unknown user and
    # locked-out user alike — Okta's ROPC does not say which (ropassword use-flow.md above).
    ErrorRule(
        error="invalid_grant",
        context=PASSWORD,
        raises=InvalidCredentials,
        message="invalid username or password",
    ),
    # 429 {"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many
    # requests."} (okta/okta-auth-js test/support/xhr/error-throttle.js).
    ErrorRule(
        provider_code="E0000047",
        raises=RateLimited,
        message="Okta's rate limit was exceeded",
        source="doc:https://developer.okta.com/docs/reference/error-codes/#E0000047",
    ),
    # The app's sign-on / authorization-server access policy refuses the grant.
    ErrorRule(
        error="access_denied",
        description_contains="policy evaluation failed",
        source="doc:https://support.okta.com/help/s/article/"
        "tokens-not-issued-with-lifetime-configured-in-access-rule-for-custom-authorization-server",
        raises=ConfigurationError,
        code="config.policy_denied",
        message="an Okta access policy denied this request; check the authorization server's policy rules",
    ),
    # -- totp, Direct Authentication: the code after mfa_required, or as primary factor --
    # A spent, expired or malformed mfa_token named in the description (Auth0's dialect of the same
    # grant family says "mfa_token is expired" / "Malformed mfa_token").
    ErrorRule(
        error="invalid_grant",
        context=MFA_OTP_GRANT,
        description_contains="mfa_token",
        source=_DIRECT + "Auth0's answers to the same grant",
        raises=ExpiredCode,
        message="the MFA transaction expired; sign in again",
    ),
    # A wrong code is invalid_grant (the standard meaning of a refused grant).
    *(
        ErrorRule(
            error="invalid_grant",
            context=grant,
            raises=InvalidCode,
            message="the code is wrong",
            source=_DIRECT + "invalid_grant, as RFC 6749 5.2 and Auth0",
        )
        for grant in (MFA_OTP_GRANT, OTP_GRANT)
    ),
    # No OTP authenticator enrolled (Auth0's dialect of the same grant family).
    *(
        ErrorRule(
            error=e, raises=MFARequired, code=_ENROL, message=_NO_TOTP, source=_DIRECT + "Auth0's answers"
        )
        for e in ("mfa_registration_required", "unsupported_challenge_type")
    ),
    ErrorRule(
        error="invalid_grant",
        context=INTERACTION_CODE_GRANT,
        source="spec:https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
        raises=ExpiredCode,
        message="the interaction code is invalid, expired or already used",
    ),
    # 403 mfa_required (+mfa_token), 401 invalid_client (either envelope), 400 unauthorized_client:
    # the standard rules; the connector seals the mfa_token into MFARequired.continuation.
    *STANDARD_OAUTH_RULES,
)
RULES = sourced(ROPC_DOC, RULES)


def _idx(
    key: str,
    raises: type[IdpBridgeError],
    message: str | None = None,
    *,
    code: str | None = None,
    source: str = "",
) -> ErrorRule:
    return ErrorRule(provider_code=key, context=IDX, raises=raises, message=message, code=code, source=source)


_FACTORIES = (
    "doc:https://github.com/okta/okta-auth-js/blob/master/test/support/idx/factories/errors.ts ; "
    "doc:https://github.com/guardian/gateway/blob/main/docs/okta/idx/idx-api.md"
)


#: IDX ``messages`` (okta-auth-js test/support/idx/factories/errors.ts, guardian/gateway
#: https://github.com/guardian/gateway/blob/main/docs/okta/idx/idx-api.md, okta-idx-golang mocks),
#: then :data:`RULES` (user not assigned, rate limits).
IDX_RULES: tuple[ErrorRule, ...] = (
    _idx(
        "incorrectPassword",
        InvalidCredentials,
        "invalid username or password",
        source=_MOCKS + "error-authenticator-verify-password.json",
    ),
    _idx("errors.E0000004", InvalidCredentials, "invalid username or password"),
    # class INFO, shown only when the org reveals unknown users.
    _idx("idx.unknown.user", UserNotFound, "Okta has no account with this username"),
    _idx(
        "api.authn.error.PASSCODE_INVALID",
        InvalidCode,
        "the code is wrong",
        source=_MOCKS + "error-401-invalid-otp-passcode.json",
    ),
    _idx("authfactor.challenge.soft_token.invalid_passcode", InvalidCode, "the code is wrong"),
    _idx("oie.tooManyRequests", RateLimited, "Okta's rate limit was exceeded"),
    _idx("idx.session.expired", ExpiredCode, "the Okta sign-in session expired; start again"),
    # Identity Engine answers a locked user like a wrong password (okta/okta-auth-js#1592); these
    # rows keep the classic API's lockout message (E0000119, E0000069 "Your account is locked…")
    # classified should it appear.
    _idx(
        "errors.E0000119",
        AccountLocked,
        "the account is locked at Okta",
        source=_WIDGET + "src/v1/util/RouterUtil.js",
    ),
    ErrorRule(
        context=IDX,
        description_contains="account is locked",
        raises=AccountLocked,
        source=_WIDGET + "packages/@okta/i18n/src/properties/login.properties",
    ),
    _idx(
        "api.error.field_required",
        ConfigurationError,
        "Okta refused an incomplete IDX request",
        code="config.idx_request",
    ),
    _idx(
        "security.access_denied",
        ProviderError,
        code="provider.access_denied",
        source=_MOCKS + "error-403-security-access-denied.json",
    ),
    *RULES,
)
IDX_RULES = sourced(_FACTORIES, IDX_RULES)
