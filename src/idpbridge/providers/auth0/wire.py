"""Auth0's issuer rule, grant types and defaults (``reference/providers.md`` §3.2 to §3.4).

* Issuer: ``https://{domain}/`` — **with** the trailing slash, for the tenant domain
  (``{tenant}.{region}.auth0.com``) and for a custom domain alike. UNCONFIRMED: with a custom
  domain the issuer is the domain the token was requested through; set ``issuer`` explicitly if
  your tenant says otherwise.
* Endpoints come from ``https://{domain}/.well-known/openid-configuration`` (token
  ``/oauth/token``, userinfo ``/userinfo``, JWKS ``/.well-known/jwks.json``).
* Password: ``grant_type=password`` uses the tenant's Default Directory connection;
  ``http://auth0.com/oauth/grant-type/password-realm`` with ``realm=<connection>`` names it.
"""

from __future__ import annotations

__all__ = ["DEFAULT_AUTH_METHOD", "PASSWORD_GRANT", "PASSWORD_REALM_GRANT", "issuer_for"]

PASSWORD_GRANT = "password"
PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"

#: Client authentication when a secret is configured and none is chosen. UNCONFIRMED: the Auth0
#: dashboard's default "Token Endpoint Authentication Method" for regular web apps is "Post"
#: (auth0-python sends client_secret in the body); set token_endpoint_auth_method for "Basic".
DEFAULT_AUTH_METHOD = "client_secret_post"


def issuer_for(base_url: str) -> str:
    """``https://{domain}/`` — the trailing slash is part of Auth0's issuer."""
    return base_url + "/"
