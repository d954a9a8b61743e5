"""Facebook Login endpoints as data, per Graph API version.

Sources: social-core ``backends/facebook.py`` (dialog, token, ``/me``, permissions URLs), Meta's
OIDC metadata (panva/wellknown: issuer, JWKS) and ``reference/providers.md`` §10.2 to §10.3. Meta's
OIDC metadata has no token endpoint; the ID token, when Meta issues one, comes from the Graph
token endpoint of the code flow. The Graph calls map onto the engine's endpoint names:

=========================  ====================================================================
endpoint                   Facebook Login
=========================  ====================================================================
authorization_endpoint     ``https://www.facebook.com/{v}/dialog/oauth``
token_endpoint             ``https://graph.facebook.com/{v}/oauth/access_token`` (POSTed form)
introspection_endpoint     ``https://graph.facebook.com/{v}/debug_token`` (with the app token)
userinfo_endpoint          ``https://graph.facebook.com/{v}/me`` (with ``fields`` and
                           ``appsecret_proof``)
revocation_endpoint        ``https://graph.facebook.com/{v}/me/permissions`` (``DELETE``)
jwks_uri                   ``https://www.facebook.com/.well-known/oauth/openid/jwks/``
=========================  ====================================================================
"""

from __future__ import annotations

from ...oidc.metadata import ProviderMetadata

__all__ = ["ISSUER", "metadata"]

#: ``iss`` of Facebook ID tokens (the OIDC variant) and the issuer of every Meta identity.
ISSUER = "https://www.facebook.com"
JWKS_URI = "https://www.facebook.com/.well-known/oauth/openid/jwks/"


def metadata(version: str, issuer: str = ISSUER) -> ProviderMetadata:
    """Facebook Login's endpoints for Graph API ``version`` (e.g. ``"v24.0"``).

    PKCE S256 on the dialog and the code exchange: documented for Meta's "OIDC code flow with
    PKCE" and used by OpenIddict's provider (UNCONFIRMED for every app type, reference §15 item 29).
    """
    graph = f"https://graph.facebook.com/{version}"
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=f"https://www.facebook.com/{version}/dialog/oauth",
        token_endpoint=f"{graph}/oauth/access_token",
        jwks_uri=JWKS_URI,
        userinfo_endpoint=f"{graph}/me",
        introspection_endpoint=f"{graph}/debug_token",
        revocation_endpoint=f"{graph}/me/permissions",
        id_token_signing_alg_values_supported=("RS256",),
        token_endpoint_auth_methods_supported=("client_secret_post",),
        response_modes_supported=("query",),
        code_challenge_methods_supported=("S256",),
        grant_types_supported=("authorization_code",),
    )
