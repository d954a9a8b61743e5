"""Apple's OpenID Provider as data.

Source: ``https://appleid.apple.com/.well-known/openid-configuration`` (snapshot in
panva/wellknown), social-core ``backends/apple.py``; ``reference/providers.md`` §11.2. The
connector uses this table instead of fetching discovery; ``endpoints.<name>`` overrides entries.
"""

from __future__ import annotations

from ...oidc.metadata import ProviderMetadata

__all__ = ["AUDIENCE", "ISSUER", "metadata"]

ISSUER = "https://appleid.apple.com"
#: ``aud`` of the client-secret JWT.
AUDIENCE = "https://appleid.apple.com"

ENDPOINTS = {
    "authorization_endpoint": "https://appleid.apple.com/auth/authorize",
    "token_endpoint": "https://appleid.apple.com/auth/token",
    "revocation_endpoint": "https://appleid.apple.com/auth/revoke",
    "jwks_uri": "https://appleid.apple.com/auth/keys",
}


def metadata(issuer: str = ISSUER) -> ProviderMetadata:
    """Apple's metadata (``issuer`` differs only for tests and sandboxes).

    PKCE is not listed: Apple's support for it at ``/auth/token`` is UNCONFIRMED (reference §15
    item 30), so idpbridge sends S256 (as everywhere) without requiring Apple to advertise it.
    """
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=ENDPOINTS["authorization_endpoint"],
        token_endpoint=ENDPOINTS["token_endpoint"],
        jwks_uri=ENDPOINTS["jwks_uri"],
        revocation_endpoint=ENDPOINTS["revocation_endpoint"],
        id_token_signing_alg_values_supported=("RS256",),
        token_endpoint_auth_methods_supported=("client_secret_post",),
        response_modes_supported=("query", "fragment", "form_post"),
        grant_types_supported=("authorization_code", "refresh_token"),
    )
