"""Google's OpenID Provider as data: issuer spellings and endpoints.

Source: Google's discovery document (``https://accounts.google.com/.well-known/openid-configuration``,
snapshot in panva/wellknown) and ``reference/providers.md`` §9.2. The connector uses this table
instead of fetching discovery; ``endpoints.<name>`` in the configuration overrides any entry.
"""

from __future__ import annotations

from ...oidc.metadata import ProviderMetadata

__all__ = ["ISSUER", "ISSUERS", "metadata"]

#: The issuer in Google's discovery document.
ISSUER = "https://accounts.google.com"
#: Every ``iss`` spelling Google puts in ID tokens: with and without the scheme (google-api-php-client
#: #698; social-core ``google_openidconnect.py`` ``ID_TOKEN_ISSUER``). Each compared exactly.
ISSUERS = (ISSUER, "accounts.google.com")

ENDPOINTS = {
    "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
    "token_endpoint": "https://oauth2.googleapis.com/token",
    "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
    "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
    "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
}


def metadata(issuer: str = ISSUER) -> ProviderMetadata:
    """Google's metadata (``issuer`` differs only for tests and sandboxes)."""
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=ENDPOINTS["authorization_endpoint"],
        token_endpoint=ENDPOINTS["token_endpoint"],
        jwks_uri=ENDPOINTS["jwks_uri"],
        userinfo_endpoint=ENDPOINTS["userinfo_endpoint"],
        revocation_endpoint=ENDPOINTS["revocation_endpoint"],
        id_token_signing_alg_values_supported=("RS256",),
        token_endpoint_auth_methods_supported=("client_secret_post", "client_secret_basic"),
        code_challenge_methods_supported=("plain", "S256"),
        grant_types_supported=("authorization_code", "refresh_token"),
    )
