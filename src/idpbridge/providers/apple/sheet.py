"""Sign in with Apple's data sheet: the fixed issuer, endpoints, claims and errors.

Sources: Apple's discovery document, https://appleid.apple.com/.well-known/openid-configuration
(snapshot in https://github.com/panva/wellknown), and
https://github.com/python-social-auth/social-core/blob/master/social_core/backends/apple.py. The
connector uses these endpoints instead of fetching discovery; ``endpoints.<name>`` overrides entries.
PKCE is not listed in Apple's metadata; Apple accepts and enforces it at ``/auth/token``
(https://github.com/a-tokyo/apple-signin-auth/issues/180), so idpbridge sends S256 (as everywhere)
without requiring Apple to advertise it.

==========================  ===================================================================
Identity field              source
==========================  ===================================================================
``subject``                 ``sub`` of the ID token (stable per developer team)
``email`` / ``_verified``   ``email`` / ``email_verified`` of the **ID token** only; the flag has
                            been sent as a JSON boolean and as the strings ``"true"``/``"false"``
                            (exactly those are accepted;
                            https://github.com/nicokaiser/passport-apple/pull/86)
``given_name``,             the ``user`` form field Apple POSTs on the user's *first*
``family_name``, ``name``   authorization only (``name.firstName`` / ``name.lastName``), marked
                            :attr:`~idpbridge.identity.ClaimSource.FIRST_LOGIN`; persist them
==========================  ===================================================================

``is_private_email`` (a relay address), ``real_user_status``, ``nonce_supported`` and
``transfer_sub`` stay in :attr:`Identity.claims`.
"""

from __future__ import annotations

from ...kit import ClaimMap, IssuerRule, Method, ProviderSheet
from .errors import RULES

__all__ = ["ISSUER", "SHEET"]

#: The issuer, and the ``aud`` of the client-secret JWT.
ISSUER = "https://appleid.apple.com"

_REST = "doc:https://developer.apple.com/documentation/signinwithapplerestapi/"
_AUTHENTICATING = "doc:https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple"

SHEET = ProviderSheet(
    name="apple",
    title="Sign in with Apple",
    methods=frozenset({Method.OIDC, Method.TOKEN}),
    extra="apple",
    description="form_post code flow, ES256 client secret minted from the .p8 key, first-login name.",
    issuer=IssuerRule.fixed(ISSUER),
    endpoints={
        "authorization_endpoint": "https://appleid.apple.com/auth/authorize",
        "token_endpoint": "https://appleid.apple.com/auth/token",
        "revocation_endpoint": "https://appleid.apple.com/auth/revoke",
        "jwks_uri": "https://appleid.apple.com/auth/keys",
    },
    endpoint_metadata={
        "id_token_signing_alg_values_supported": ("RS256",),
        "token_endpoint_auth_methods_supported": ("client_secret_post",),
        "response_modes_supported": ("query", "fragment", "form_post"),
        "grant_types_supported": ("authorization_code", "refresh_token"),
    },
    claims=ClaimMap(username=None, groups=None, roles=None, string_booleans=True),
    error_rules=RULES,
    default_auth_method="client_secret_post",
    allowed_values={
        "token_endpoint_auth_method": ((None, "client_secret_post"), "Apple accepts only client_secret_post")
    },
    username_claim="email",
    rs256_signer="Apple",
    # Apple returns the name and e-mail only to a form_post callback
    form_post_scopes=frozenset({"name", "email"}),
    sources={
        "issuer": _AUTHENTICATING,
        "endpoints": "seen:https://github.com/panva/wellknown ; " + _REST + "generate_and_validate_tokens",
        "claims": _AUTHENTICATING + " ; seen:https://github.com/nicokaiser/passport-apple/pull/86",
        "method.oidc": "doc:https://developer.apple.com/documentation/sign_in_with_apple/sign_in_with_apple_js/"
        "incorporating_sign_in_with_apple_into_other_platforms ; "
        "seen:https://github.com/a-tokyo/apple-signin-auth/issues/180",
        "method.token": _AUTHENTICATING,
    },
)
