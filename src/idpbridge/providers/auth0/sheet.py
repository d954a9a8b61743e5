"""Auth0's data sheet: issuer rule, grants, claims, error fields and defaults.

* Issuer: ``https://{domain}/`` — **with** the trailing slash, for the tenant domain
  (``{tenant}.{region}.auth0.com``) and for a custom domain alike: with a custom domain the issuer
  is the domain the token was requested through (Auth0's custom-domain guide); set ``issuer``
  explicitly if your tenant says otherwise. Endpoints come from ``https://{domain}/.well-known/openid-configuration``.
  Source: https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
* Password: ``grant_type=password`` uses the tenant's Default Directory connection;
  ``http://auth0.com/oauth/grant-type/password-realm`` with ``realm=<connection>`` names it.
  Source: https://auth0.com/docs/authenticate/login/oidc-conformant-authentication/oidc-adoption-rop-flow
* Claims: ``sub`` is ``{connection strategy}|{id}``; ``nickname`` is the login name; Auth0
  Organizations put ``org_id`` in tokens. Groups/roles are namespaced Action claims (map them with
  ``claim_mapping``). Source: https://auth0.com/docs/users/identify-users
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet, base_url
from .errors import RULES

__all__ = ["PASSWORD_GRANT", "PASSWORD_REALM_GRANT", "SHEET"]

PASSWORD_GRANT = "password"
PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"


def _domain(data: Mapping[str, Any]) -> Mapping[str, str]:
    return {"base": base_url(data["domain"], what="domain")}


SHEET = ProviderSheet(
    name="auth0",
    title="Auth0",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.DEVICE, Method.CIBA}),
    extra="auth0",
    description="Auth0 tenant or custom domain: code + PKCE, password and password-realm grants.",
    issuer=IssuerRule.derived("{base}/", source="domain", inputs=_domain, settable=True),
    claims=ClaimMap(username="nickname", tenant="org_id"),
    error_rules=RULES,
    error_fields=(("error", "errorCode", "code"), ("error_description", "message", "description")),
    # The dashboard's default "Token Endpoint Authentication Method" for regular web apps is "Post"
    # (auth0-python sends client_secret in the body).
    default_auth_method="client_secret_post",
    probe_password_grant=True,
    tenant=("tenant_host",),
    authorize_fields=("audience",),
    password_fields=("realm", "audience"),
    sources={
        "method.device": "doc:https://auth0.com/docs/get-started/authentication-and-authorization-flow/"
        "device-authorization-flow",
        "method.ciba": "doc:https://auth0.com/docs/get-started/authentication-and-authorization-flow/"
        "client-initiated-backchannel-authentication-flow",
        "issuer": "doc:https://auth0.com/docs/get-started/applications/"
        "configure-applications-with-oidc-discovery ; "
        "doc:https://auth0.com/docs/customize/custom-domains/configure-features-to-use-custom-domains",
        "claims": "doc:https://auth0.com/docs/users/identify-users",
        "method.oidc": "doc:https://auth0.com/docs/get-started/authentication-and-authorization-flow/"
        "authorization-code-flow-with-pkce",
        "method.password": "doc:https://auth0.com/docs/authenticate/login/"
        "oidc-conformant-authentication/oidc-adoption-rop-flow ; "
        "seen:https://github.com/auth0/react-native-auth0/issues/224",
        "method.token": "doc:https://auth0.com/docs/secure/tokens/id-tokens/validate-id-tokens",
    },
)
