"""Auth0's data sheet: issuer rule, grants, claims, error fields and defaults.

* Issuer: ``https://{domain}/`` — **with** the trailing slash, for the tenant domain
  (``{tenant}.{region}.auth0.com``) and for a custom domain alike. UNCONFIRMED: with a custom
  domain the issuer is the domain the token was requested through; set ``issuer`` explicitly if
  your tenant says otherwise. Endpoints come from ``https://{domain}/.well-known/openid-configuration``.
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

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet
from ...oidc.urls import base_url
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
    # UNCONFIRMED: the Auth0 dashboard's default "Token Endpoint Authentication Method" for
    # regular web apps is "Post" (auth0-python sends client_secret in the body).
    default_auth_method="client_secret_post",
    probe_password_grant=True,
)
