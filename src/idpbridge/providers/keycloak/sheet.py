"""Keycloak's data sheet: the realm issuer rule, endpoint layout, claims, token check and errors.

* Issuer: ``{server_url}/realms/{realm}`` where ``server_url`` is the front-channel (public) base,
  including a legacy ``/auth`` prefix when the server uses one (Keycloak 16 and older, or
  ``--http-relative-path=/auth``). Keycloak derives the issuer from the host name it is reached
  by unless the hostname is pinned, so idpbridge never rewrites it: reached internally through
  ``backchannel_url``, the back-channel endpoints below use that address while the issuer, the
  authorization endpoint and the logout endpoint keep the front-channel one. Sources:
  https://github.com/marcospereirampj/python-keycloak/blob/master/src/keycloak/urls_patterns.py,
  https://www.keycloak.org/migration/migrating-to-quarkus and
  https://www.keycloak.org/server/hostname.
* Claims: ``sub`` (the user UUID; from Keycloak 25 it needs the ``basic`` client scope,
  https://github.com/keycloak/keycloak/issues/34306), ``preferred_username``, ``groups`` (with a
  group-membership mapper) and ``realm_access.roles``; ``resource_access.{client}.roles`` join as
  ``{client}:{role}`` (the connector). Source:
  https://github.com/python-social-auth/social-core/blob/master/social_core/backends/keycloak.py
* ID tokens say ``typ`` ``"ID"``; access and refresh tokens (``Bearer``/``Refresh``) share the
  issuer and keys, so a ``typ`` other than ``ID`` is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ...kit import (
    ClaimMap,
    DerivedEndpoints,
    IssuerRule,
    Method,
    ProviderSheet,
    base_url,
    claim_equals,
    url_inputs,
)
from .errors import RULES

__all__ = ["BACKCHANNEL_ENDPOINTS", "BACK_CHANNEL", "FRONT_CHANNEL", "REALM_NAME", "SHEET", "realm_inputs"]

#: Realm names idpbridge accepts: URL-unreserved characters, so the issuer needs no encoding.
REALM_NAME = re.compile(r"[A-Za-z0-9._~-]{1,255}")

_REALM = "{base}/realms/{realm}"
_OIDC = _REALM + "/protocol/openid-connect"

#: Reached by idpbridge itself (server to server).
BACK_CHANNEL: Mapping[str, str] = MappingProxyType(
    {
        "discovery": _REALM + "/.well-known/openid-configuration",
        "token_endpoint": _OIDC + "/token",
        "jwks_uri": _OIDC + "/certs",
        "userinfo_endpoint": _OIDC + "/userinfo",
        "introspection_endpoint": _OIDC + "/token/introspect",
        "revocation_endpoint": _OIDC + "/revoke",  # RFC 7009, Keycloak 12+
    }
)

#: Reached by the user's browser.
FRONT_CHANNEL: Mapping[str, str] = MappingProxyType(
    {"authorization_endpoint": _OIDC + "/auth", "end_session_endpoint": _OIDC + "/logout"}
)


def realm_inputs(data: Mapping[str, Any]) -> Mapping[str, str] | None:
    """``base`` (``server_url``) and ``realm`` from raw config data (``None``: the fields'
    validators report them; raises ``KeyError``/``ValueError`` likewise)."""
    realm = data["realm"]
    if not isinstance(realm, str) or not REALM_NAME.fullmatch(realm):
        return None
    return {"base": base_url(data["server_url"], what="server_url", allow_path=True), "realm": realm}


#: With ``backchannel_url``: the back-channel endpoints there, the front-channel ones at
#: ``server_url`` (the issuer stays the front-channel one).
BACKCHANNEL_ENDPOINTS = DerivedEndpoints(
    {
        **{name: t.replace("{base}", "{back}", 1) for name, t in BACK_CHANNEL.items()},
        **FRONT_CHANNEL,
    },
    inputs=url_inputs({"back": "backchannel_url"}, also=realm_inputs),
)


SHEET = ProviderSheet(
    name="keycloak",
    title="Keycloak",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.TOTP, Method.DEVICE, Method.CIBA}),
    extra="keycloak",
    description="A Keycloak realm: code + PKCE, direct access grant (with TOTP), typ-checked ID tokens.",
    issuer=IssuerRule.derived(_REALM, source="server_url and realm", inputs=realm_inputs, settable=True),
    claims=ClaimMap(roles="realm_access.roles"),
    token_checks=(claim_equals("typ", "ID", required=False),),
    allowed_values={
        "token_kind": (("id_token",), "Keycloak access tokens are not RFC 9068 tokens; use id_token")
    },
    error_rules=RULES,
    probe_password_grant=True,
    tenant=("realm",),
    derived_endpoints=(BACKCHANNEL_ENDPOINTS,),
    issuer_mismatch_hint=(
        "Keycloak derives its issuer from the host name it is reached by: pin the server's hostname "
        "to server_url and reach it internally through backchannel_url (idpbridge never rewrites issuers)",
        "server_url",
    ),
    sources={
        "method.device": "doc:https://docs.redhat.com/en/documentation/red_hat_build_of_keycloak/24.0/"
        "html/securing_applications_and_services_guide/supported_grant_types",
        "method.ciba": "doc:https://docs.redhat.com/en/documentation/red_hat_build_of_keycloak/24.0/"
        "html/securing_applications_and_services_guide/supported_grant_types",
        "endpoints": "doc:https://github.com/marcospereirampj/python-keycloak/blob/master/src/keycloak/"
        "urls_patterns.py ; doc:https://www.keycloak.org/server/hostname",
        "issuer": "doc:https://www.keycloak.org/server/hostname ; doc:https://www.keycloak.org/"
        "migration/migrating-to-quarkus",
        "claims": "doc:https://github.com/python-social-auth/social-core/blob/master/social_core/"
        "backends/keycloak.py ; "
        "seen:https://github.com/keycloak/keycloak/issues/34306",
        "method.oidc": "doc:https://www.keycloak.org/docs/latest/securing_apps/#_oidc",
        "method.password": "vendor:keycloak/keycloak@9676f8d12caa52812646812c56d08f49b1dd867f:services/"
        "src/main/java/org/keycloak/authentication/authenticators/directgrant/ValidatePassword.java",
        "method.token": "vendor:keycloak/keycloak@de8d3c200db60d909608c41aeb52593fd7968330:"
        "core/src/main/java/org/keycloak/util/TokenUtil.java",
        "method.totp": "vendor:keycloak/keycloak@9676f8d12caa52812646812c56d08f49b1dd867f:services/src/"
        "main/java/org/keycloak/authentication/authenticators/directgrant/ValidateOTP.java",
    },
)
