"""Google's data sheet: the fixed issuer and its two spellings, endpoints, claims and errors.

Sources: Google's discovery document, https://accounts.google.com/.well-known/openid-configuration
(snapshot in panva/wellknown), and https://developers.google.com/identity/openid-connect/openid-connect.
The connector uses these endpoints instead of fetching discovery; ``endpoints.<name>`` in the
configuration overrides any entry.

==========================  ===================================================================
Identity field              Google claim
==========================  ===================================================================
``subject``                 ``sub`` (the Google account id; never the e-mail, which can change)
``email`` / ``_verified``   ``email`` / ``email_verified`` (a JSON boolean)
``name``, ``given_name``,   same names (scope ``profile``)
``family_name``
``tenant``                  ``hd``: the Google Workspace domain; absent for consumer accounts
==========================  ===================================================================

Google has no username claim. ``picture``, ``locale``, ``azp`` and the rest stay in
:attr:`Identity.claims`.
"""

from __future__ import annotations

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet
from .errors import RULES

__all__ = ["ISSUER", "SHEET"]

#: The issuer in Google's discovery document.
ISSUER = "https://accounts.google.com"

SHEET = ProviderSheet(
    name="google",
    title="Google",
    methods=frozenset({Method.OIDC, Method.TOKEN, Method.DEVICE}),
    extra="google",
    description="Sign in with Google: code + PKCE, both issuer spellings, hosted-domain (hd) restriction.",
    # Google puts ``iss`` with and without the scheme in ID tokens, each compared exactly
    # (google-api-php-client#698; social-core google_openidconnect.py ID_TOKEN_ISSUER).
    issuer=IssuerRule.fixed(ISSUER, spellings=("accounts.google.com",)),
    endpoints={
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
        "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
        "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
    },
    endpoint_metadata={
        "id_token_signing_alg_values_supported": ("RS256",),
        "token_endpoint_auth_methods_supported": ("client_secret_post", "client_secret_basic"),
        "code_challenge_methods_supported": ("plain", "S256"),
        "grant_types_supported": ("authorization_code", "refresh_token"),
    },
    claims=ClaimMap(username=None, groups=None, roles=None, tenant="hd"),
    error_rules=RULES,
    username_claim="email",
    rs256_signer="Google",
    sources={
        "method.device": "doc:https://developers.google.com/identity/protocols/oauth2/limited-input-device",
        "issuer": "doc:https://developers.google.com/identity/openid-connect/"
        "openid-connect#validatinganidtoken",
        "endpoints": "doc:https://accounts.google.com/.well-known/openid-configuration ; seen:https://"
        "github.com/panva/wellknown",
        "claims": "doc:https://developers.google.com/identity/openid-connect/"
        "openid-connect#an-id-tokens-payload",
        "method.oidc": "doc:https://developers.google.com/identity/protocols/oauth2/web-server",
        "method.token": "doc:https://developers.google.com/identity/openid-connect/"
        "openid-connect#validatinganidtoken",
    },
)
