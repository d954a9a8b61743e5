"""Amazon Cognito's data sheet: issuer rule, endpoints, claims, challenges.

* Issuer (exact): ``https://cognito-idp.{region}.amazonaws.com/{user_pool_id}``; an explicit
  ``issuer`` wins. Discovery and JWKS live on that API host, never on the Hosted UI domain.
  Source: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
* Hosted UI (managed login) endpoints on ``hosted_ui_domain`` (``userInfo`` has a capital I).
  Source: https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
* User-pools API: ``InitiateAuth``/``RespondToAuthChallenge``/``GetUser`` are ``authtype: none``
  (unsigned, no AWS credentials); challenge names and their ``ChallengeResponses`` keys.
  Source: https://github.com/boto/botocore/blob/develop/botocore/data/cognito-idp/2016-04-18/service-2.json
* Claims: ``sub`` is a UUID (never reused); ``cognito:username`` is the internal user name (a UUID
  for e-mail-as-username pools); verified flags are JSON booleans in tokens but the strings
  ``"true"``/``"false"`` elsewhere (moto, ``GetUser``), hence ``string_booleans``; the identity's
  ``tenant`` is the user pool id. An access token (``token_use: access``) is never accepted as an
  ID token. Source: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
* Errors: the Hosted UI's token endpoint answers standard OAuth errors (the sheet's default
  table); the API's ``__type`` table is :data:`.errors.RULES`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ...kit import (
    ClaimMap,
    DerivedEndpoints,
    IssuerRule,
    Method,
    OTPChannel,
    ProviderSheet,
    base_url,
    claim_equals,
    secure_url,
    url_inputs,
)

__all__ = [
    "API_METHODS",
    "API_OPERATIONS",
    "CODE_CHALLENGES",
    "FIRST_FACTOR",
    "HOSTED_UI_ENDPOINTS",
    "MFA_FACTORS",
    "POOL_ID",
    "SELECTABLE_MFA",
    "SHEET",
    "TOKEN_RESULT_NAMES",
    "UNSUPPORTED",
    "CodeChallenge",
]

#: Methods served by the user-pools API (``InitiateAuth`` / ``RespondToAuthChallenge``).
API_METHODS = frozenset({Method.PASSWORD, Method.EMAIL_OTP, Method.SMS_OTP})

#: The user-pools API operations called (boto3 method names) -> whether a call may be retried
#: once sent: credential submissions never are (a replay could spend a password or an OTP).
API_OPERATIONS: Mapping[str, bool] = MappingProxyType(
    {"initiate_auth": False, "respond_to_auth_challenge": False, "get_user": True}
)

#: botocore's ``UserPoolIdType`` pattern (``{region}_{suffix}``, at most 55 characters).
POOL_ID = re.compile(r"(?P<region>[\w-]+)_[0-9a-zA-Z]+")

#: Hosted UI endpoints (metadata field -> template over the normalized ``hosted_ui_domain``).
HOSTED_UI_ENDPOINTS: Mapping[str, str] = MappingProxyType(
    {
        "authorization_endpoint": "{base}/oauth2/authorize",
        "token_endpoint": "{base}/oauth2/token",
        "userinfo_endpoint": "{base}/oauth2/userInfo",
        "revocation_endpoint": "{base}/oauth2/revoke",
    }
)

#: ``AuthenticationResult`` member -> OAuth token-response member (it is a token response).
TOKEN_RESULT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "IdToken": "id_token",
        "AccessToken": "access_token",
        "RefreshToken": "refresh_token",
        "TokenType": "token_type",
        "ExpiresIn": "expires_in",
    }
)


def _pool(data: Mapping[str, Any]) -> Mapping[str, str] | None:
    """The issuer's values when ``region`` and ``user_pool_id`` are well formed (else ``None``)."""
    region, pool = data["region"], data["user_pool_id"]
    if POOL_ID.fullmatch(pool) and re.fullmatch(r"[\w-]+", region):
        return {"region": region, "user_pool_id": pool}
    return None


def _documents(data: Mapping[str, Any]) -> Mapping[str, str] | None:
    """``keys``: where the pool's ``.well-known`` documents are served: the issuer, unless
    ``endpoint_url`` points the API elsewhere (moto and the emulator serve them at
    ``{endpoint_url}/{user_pool_id}``). ``None`` while the fields are invalid."""
    url, pool = data.get("endpoint_url"), _pool(data)
    if pool is None:
        return None
    if url is None:
        return {"keys": secure_url(data["issuer"], what="issuer")}
    return {"keys": base_url(url, what="endpoint_url", allow_path=True) + "/" + pool["user_pool_id"]}


#: The pool's key set and discovery document, and the Hosted UI's endpoints on ``hosted_ui_domain``.
POOL_DOCUMENTS = DerivedEndpoints(
    {"jwks_uri": "{keys}/.well-known/jwks.json", "discovery": "{keys}/.well-known/openid-configuration"},
    inputs=_documents,
)
HOSTED_UI = DerivedEndpoints(HOSTED_UI_ENDPOINTS, inputs=url_inputs({"base": "hosted_ui_domain"}))


SHEET = ProviderSheet(
    name="cognito",
    title="Amazon Cognito",
    methods=API_METHODS | {Method.OIDC},
    description="Cognito user pools: USER_PASSWORD_AUTH, choice-based sign-in (USER_AUTH) and the Hosted UI.",
    extra="cognito",
    requires=("boto3",),
    issuer=IssuerRule.derived(
        "https://cognito-idp.{region}.amazonaws.com/{user_pool_id}",
        source="region and user_pool_id",
        inputs=_pool,
        settable=True,
    ),
    claims=ClaimMap(
        username="cognito:username", groups="cognito:groups", roles="cognito:roles", string_booleans=True
    ),
    token_checks=(claim_equals("token_use", "id"),),
    tenant=("user_pool_id",),
    derived_endpoints=(POOL_DOCUMENTS, HOSTED_UI),
    rs256_signer="Cognito",
    sources={
        "issuer": "doc:https://docs.aws.amazon.com/cognito/latest/developerguide/"
        "amazon-cognito-user-pools-using-the-id-token.html",
        "claims": "doc:https://docs.aws.amazon.com/cognito/latest/developerguide/"
        "amazon-cognito-user-pools-using-the-id-token.html",
        "method.oidc": "doc:https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html",
        "endpoints": "doc:https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html ; "
        "doc:https://docs.aws.amazon.com/cognito/latest/developerguide/"
        "amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html",
        "method.password": "vendor:boto/botocore@1.43.11:botocore/data/cognito-idp/2016-04-18/service-2.json",
        "method.email_otp": "vendor:boto/botocore@1.43.11:botocore/data/cognito-idp/2016-04-18/"
        "service-2.json ; vendor:aws-amplify/"
        "amplify-js@980d3b07be5c6a16f8df67b849d189bdd2a5ccf4:packages/auth/src/providers/cognito/"
        "utils/signInHelpers.ts",
        "method.sms_otp": "vendor:boto/botocore@1.43.11:botocore/data/cognito-idp/2016-04-18/"
        "service-2.json ; vendor:aws-amplify/"
        "amplify-js@980d3b07be5c6a16f8df67b849d189bdd2a5ccf4:packages/auth/src/providers/cognito/"
        "utils/signInHelpers.ts",
    },
)


# -- challenges (botocore ChallengeNameType and RespondToAuthChallengeRequest.ChallengeResponses) --


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


CODE_CHALLENGES: Mapping[str, CodeChallenge] = MappingProxyType(
    {
        c.name: c
        for c in (
            CodeChallenge("EMAIL_OTP", "EMAIL_OTP_CODE", "otp", OTPChannel.EMAIL),
            CodeChallenge("SMS_OTP", "SMS_OTP_CODE", "otp", OTPChannel.SMS),
            CodeChallenge("SMS_MFA", "SMS_MFA_CODE", "otp", OTPChannel.SMS),
            CodeChallenge("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE", "totp", None),
        )
    }
)

#: The ``PREFERRED_CHALLENGE`` / ``SELECT_CHALLENGE`` answer for a passwordless first factor.
FIRST_FACTOR: Mapping[OTPChannel, str] = MappingProxyType(
    {OTPChannel.EMAIL: "EMAIL_OTP", OTPChannel.SMS: "SMS_OTP"}
)

#: ``SELECT_MFA_TYPE`` answers (the model documents ``SMS_MFA|EMAIL_MFA|SOFTWARE_TOKEN_MFA``;
#: amplify-js answers ``EMAIL_OTP`` for e-mail, signInHelpers.ts ``mapMfaType``).
SELECTABLE_MFA = frozenset({"SMS_MFA", "EMAIL_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA"})

#: ``MFAS_CAN_SETUP`` / ``MFAS_CAN_CHOOSE`` entries -> factor names in :class:`~idpbridge.MFARequired`.
MFA_FACTORS: Mapping[str, str] = MappingProxyType(
    {"SOFTWARE_TOKEN_MFA": "totp", "SMS_MFA": "sms", "EMAIL_OTP": "email", "EMAIL_MFA": "email"}
)

#: Challenges this connector does not answer, and why (raised as a typed error, never dropped).
UNSUPPORTED: Mapping[str, str] = MappingProxyType(
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
