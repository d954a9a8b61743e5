"""Okta's data sheet: issuer rule, claims, error table and the ``totp`` wire facts.

* Issuer (exact, no trailing slash): the org authorization server's is ``https://{domain}``, a
  custom server's ``https://{domain}/oauth2/{authorizationServerId}`` (``default`` or ``aus…``);
  ``authorization_server_id`` decides which one tokens must carry. Endpoints come from
  ``{issuer}/.well-known/openid-configuration``. With a custom URL domain the issuer is the custom
  domain or the ``*.okta.com`` one depending on the server's "Issuer" setting — set ``issuer``
  explicitly then. Source:
  https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/vuepress-site/docs/concepts/auth-servers/index.md
* Claims: ``sub`` (``00u…``, immutable), ``preferred_username`` (the mutable Okta login),
  ``groups`` only when the admin adds a groups claim to the app/server. Sources:
  https://github.com/okta/okta.github.io/blob/source/_source/_docs/api/resources/oidc.md and
  https://github.com/python-social-auth/social-core/blob/master/social_core/backends/okta.py
* ``totp``, Direct Authentication: the MFA OTP grant after ``403 mfa_required`` and the primary OTP
  grant (:data:`MFA_OTP_GRANT`, :data:`OTP_GRANT` in :mod:`.errors`, their contexts). Okta publishes
  no error answer of these grants (``UNCONFIRMED[okta.direct-errors]``): a wrong code is taken as
  ``invalid_grant``, a spent ``mfa_token`` as ``invalid_grant`` naming it, no OTP factor enrolled
  as ``mfa_registration_required``/``unsupported_challenge_type`` (Auth0's answers to the same grants).
* ``totp``, Identity Engine (IDX): ``{issuer}/v1/interact`` (org server ``{issuer}/oauth2/v1/interact``)
  with PKCE S256, ``state`` and ``nonce`` (``UNCONFIRMED[okta.idx-interact]``: whether
  ``client_secret`` is needed, and that the ID token then carries the nonce); the IDX API at the
  org, ``{org}/idp/idx/…``, never under ``/oauth2``; TOTP authenticators ``google_otp`` (methodType
  ``otp``) and ``okta_verify``
  (methodType ``totp``); the secret goes in ``credentials.passcode`` (``totp`` for Okta Verify
  TOTP, taken from the challenge form when it names one). Sources:
  https://github.com/okta/okta-idx-golang/blob/master/idx.go and
  https://github.com/okta/okta-auth-js/blob/master/lib/idx/authenticator/OktaVerifyTotp.ts
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet, base_url
from .errors import (
    ERROR_FIELDS,
    INTERACTION_CODE_GRANT,
    MFA_OTP_GRANT,
    OTP_GRANT,
    PROVIDER_CODE_FIELDS,
    RULES,
)

__all__ = [
    "AUTHORIZATION_SERVER_ID",
    "CREDENTIAL_FIELDS",
    "IDX_ACCEPT",
    "IDX_CONTENT_TYPE",
    "IDX_PATH",
    "INTERACTION_CODE_GRANT",
    "MFA_OTP_GRANT",
    "MFA_OTP_PARAMS",
    "OTP_GRANT",
    "OTP_PARAMS",
    "PASSWORD_AUTHENTICATOR",
    "SHEET",
    "TOTP_AUTHENTICATORS",
    "interact_url",
]

#: Authorization server ids: ``default`` or an id such as ``aus1a2b3c4D5e6F7g8h9`` (no slashes).
AUTHORIZATION_SERVER_ID = re.compile(r"[A-Za-z0-9]{1,64}")

#: Parameters of the MFA OTP grant: the sealed ``mfa_token`` and the code.
MFA_OTP_PARAMS = ("mfa_token", "otp")
#: Parameters of the primary OTP grant: the username as ``login_hint`` and the code.
OTP_PARAMS = ("login_hint", "otp")

#: IDX lives at the org, never under an authorization server.
IDX_PATH = "/idp/idx/"
#: ``Accept`` of every IDX request; ``Content-Type`` of introspect.
IDX_ACCEPT = "application/ion+json; okta-version=1.0.0"
#: ``Content-Type`` of remediation requests (the remediations' ``accepts``).
IDX_CONTENT_TYPE = "application/json; okta-version=1.0.0"
#: The password authenticator's key.
PASSWORD_AUTHENTICATOR = "okta_password"
#: TOTP authenticator key -> the ``methodType`` to select it with (okta-auth-js authenticators.ts).
TOTP_AUTHENTICATORS: Mapping[str, str] = MappingProxyType({"google_otp": "otp", "okta_verify": "totp"})
#: Field names inside ``credentials`` a code or password may go in (first one the form names wins).
CREDENTIAL_FIELDS = ("passcode", "totp")


def interact_url(issuer: str) -> str:
    """``/v1/interact`` of the authorization server: ``{issuer}/v1/interact`` for a custom server,
    ``{issuer}/oauth2/v1/interact`` for the org server (okta-idx-golang ``oAuthEndPoint``)."""
    return f"{issuer}/v1/interact" if "/oauth2/" in issuer + "/" else f"{issuer}/oauth2/v1/interact"


def _issuer_inputs(data: Mapping[str, Any]) -> Mapping[str, str]:
    server = data.get("authorization_server_id") or None
    path = f"/oauth2/{server}" if isinstance(server, str) else ""
    return {"base": base_url(data["domain"], what="domain"), "path": path}


SHEET = ProviderSheet(
    name="okta",
    title="Okta",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.TOTP, Method.DEVICE, Method.CIBA}),
    extra="okta",
    description=(
        "Okta org or custom authorization server: code + PKCE, Resource Owner Password grant, TOTP "
        "(Direct Authentication MFA OTP or the Identity Engine Interaction Code flow)."
    ),
    issuer=IssuerRule.derived(
        "{base}{path}", source="domain and authorization_server_id", inputs=_issuer_inputs, settable=True
    ),
    claims=ClaimMap(),
    error_rules=RULES,
    error_fields=ERROR_FIELDS,
    provider_code_fields=PROVIDER_CODE_FIELDS,
    probe_password_grant=True,
    tenant=("org_host",),
    sources={
        "method.device": "doc:https://developer.okta.com/docs/guides/device-authorization-grant/main",
        "method.ciba": "doc:https://developer.okta.com/docs/guides/configure-ciba/main",
        "issuer": "doc:https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/"
        "vuepress-site/docs/concepts/auth-servers/index.md",
        "claims": "doc:https://github.com/okta/okta.github.io/blob/source/_source/_docs/api/resources/"
        "oidc.md",
        "method.oidc": "doc:https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/"
        "vuepress-site/docs/guides/implement-grant-type/main/authcodepkce/use-flow.md",
        "method.password": "doc:https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/"
        "vuepress-site/docs/guides/implement-grant-type/main/ropassword/use-flow.md ; "
        "UNCONFIRMED[okta.ropc-expired] an expired password's answer",
        "method.token": "doc:https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/"
        "vuepress-site/docs/guides/validate-id-tokens/main/index.md",
        "method.totp": "doc:https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/"
        "vuepress-site/docs/guides/implement-grant-type/main/mfa-otp/use-flow.md ; "
        "vendor:okta/okta-signin-widget@5225c54fdab58649a28936fbe60f39ff8fb31834:playground/mocks/data/"
        "idp/idx/ ; "
        "UNCONFIRMED[okta.idx-interact] client_secret and nonce at /v1/interact ; "
        "UNCONFIRMED[okta.direct-errors] the Direct Authentication grants' errors",
    },
)
