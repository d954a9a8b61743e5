"""Meta's (Facebook Login) data sheet: the fixed issuer, the per-version endpoints, claims, errors.

Sources: https://github.com/python-social-auth/social-core/blob/master/social_core/backends/facebook.py
(dialog, token, ``/me``, permissions URLs; ``,`` as scope separator) and Meta's OIDC metadata,
https://www.facebook.com/.well-known/openid-configuration (snapshot in
https://github.com/panva/wellknown: issuer, JWKS). That metadata has no token endpoint: the ID
token, when Meta issues one, comes from the Graph token endpoint of the code flow. PKCE S256 on
the dialog and the code exchange is used by OpenIddict's provider
(https://github.com/openiddict/openiddict-core/pull/1767).

The Graph calls map onto the engine's endpoint names (``{graph_api_version}``, from the config):
``introspection_endpoint`` is ``debug_token`` (with the app token), ``userinfo_endpoint`` is ``/me``
(with ``fields`` and ``appsecret_proof``), ``revocation_endpoint`` is ``DELETE /me/permissions``.

==========================  ===================================================================
Identity field              source
==========================  ===================================================================
``issuer``                  ``https://www.facebook.com``
``subject``                 the Graph ``id``: an **app-scoped** user id, stable for this app (and
                            the apps of its business) only; equal to the ID token's ``sub`` when
                            Meta issues one (checked)
``email``                   Graph ``email``; absent when the user declined the permission, has no
                            confirmed address, or signed up by phone
``email_verified``          Meta sends no such flag: ``False`` for a returned e-mail unless the
                            config sets ``trust_email``; ``None`` without an e-mail
``name`` / ``given_name``   ``name`` / ``first_name`` / ``last_name``
/ ``family_name``
==========================  ===================================================================

The connector adds ``granted_scopes`` (from ``debug_token``) and ``declined_scopes`` (requested
but not granted, e.g. ``["email"]``) to :attr:`Identity.claims`.
"""

from __future__ import annotations

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet
from .errors import RULES

__all__ = ["ISSUER", "SHEET"]

#: ``iss`` of Facebook ID tokens (the OIDC variant) and the issuer of every Meta identity.
ISSUER = "https://www.facebook.com"
_GRAPH = "https://graph.facebook.com/{graph_api_version}"

SHEET = ProviderSheet(
    name="meta",
    title="Meta (Facebook Login)",
    methods=frozenset({Method.OIDC, Method.TOKEN}),
    extra="meta",
    description="Facebook Login code flow (+ ID token when issued), debug_token app check, Graph /me.",
    issuer=IssuerRule.fixed(ISSUER, sandbox_endpoints=("authorization_endpoint", "token_endpoint")),
    endpoints={
        "authorization_endpoint": "https://www.facebook.com/{graph_api_version}/dialog/oauth",
        "token_endpoint": f"{_GRAPH}/oauth/access_token",
        "jwks_uri": "https://www.facebook.com/.well-known/oauth/openid/jwks/",
        "userinfo_endpoint": f"{_GRAPH}/me",
        "introspection_endpoint": f"{_GRAPH}/debug_token",
        "revocation_endpoint": f"{_GRAPH}/me/permissions",
    },
    endpoint_metadata={
        "id_token_signing_alg_values_supported": ("RS256",),
        "token_endpoint_auth_methods_supported": ("client_secret_post",),
        "response_modes_supported": ("query",),
        "code_challenge_methods_supported": ("S256",),
        "grant_types_supported": ("authorization_code",),
    },
    claims=ClaimMap(
        subject=("sub", "id"),  # the Graph profile (no ID token) has only the app-scoped id
        email_verified=None,
        username=None,
        given_name="first_name",
        family_name="last_name",
        groups=None,
        roles=None,
        amr=None,
    ),
    error_rules=RULES,
    endpoint_fields=("graph_api_version",),
    scope_separator=",",
    allowed_values={
        "response_mode": ((None, "query"), "Facebook Login answers on the query string only"),
        "token_endpoint_auth_method": (
            (None, "client_secret_post"),
            "Meta takes the app secret in the form body",
        ),
    },
    id_token_required=False,
    # Facebook Login takes the permissions as given (``openid`` enables the ID token)
    openid_scope=False,
    authorize_params={"return_scopes": "true"},
    # a callback error may carry only ``error_code``/``error_message``, classified by its Graph code
    callback_error_fields=("error_code", "error_message"),
    username_claim="email",
    rs256_signer="Meta",
    sources={
        "issuer": "doc:https://developers.facebook.com/docs/facebook-login/limited-login/token/validating",
        "endpoints": "doc:https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow ; "
        "seen:https://github.com/panva/wellknown",
        "claims": "doc:https://developers.facebook.com/docs/facebook-login/limited-login/token",
        "method.oidc": "doc:https://developers.facebook.com/docs/facebook-login/guides/advanced/"
        "manual-flow ; "
        "seen:https://github.com/openiddict/openiddict-core/pull/1767",
        "method.token": "doc:https://developers.facebook.com/docs/facebook-login/limited-login/token/"
        "validating",
    },
)
