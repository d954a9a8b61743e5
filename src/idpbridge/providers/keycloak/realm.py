"""Keycloak's realm URL layout: the issuer rule and endpoint templates (``reference/providers.md`` §6.2).

The issuer is ``{server_url}/realms/{realm}`` where ``server_url`` is the front-channel (public)
base, including a legacy ``/auth`` prefix when the server uses one. Keycloak derives the issuer
from the host name it is reached by unless the hostname is pinned, so idpbridge never rewrites
it: when the server is reached internally through another address (``backchannel_url``), the
back-channel endpoints below are built from that address while the issuer, the authorization
endpoint and the logout endpoint keep the front-channel one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["BACK_CHANNEL", "FRONT_CHANNEL", "REALM_NAME", "endpoints_for", "issuer_for"]

#: Realm names idpbridge accepts: URL-unreserved characters, so the issuer needs no encoding.
REALM_NAME = re.compile(r"[A-Za-z0-9._~-]{1,255}")

_REALM = "{base}/realms/{realm}"
_OIDC = _REALM + "/protocol/openid-connect"

#: Reached by idpbridge itself (server to server).
BACK_CHANNEL: Mapping[str, str] = {
    "discovery": _REALM + "/.well-known/openid-configuration",
    "token_endpoint": _OIDC + "/token",
    "jwks_uri": _OIDC + "/certs",
    "userinfo_endpoint": _OIDC + "/userinfo",
    "introspection_endpoint": _OIDC + "/token/introspect",
    "revocation_endpoint": _OIDC + "/revoke",  # UNCONFIRMED here (RFC 7009 support, Keycloak 12+)
}

#: Reached by the user's browser.
FRONT_CHANNEL: Mapping[str, str] = {
    "authorization_endpoint": _OIDC + "/auth",
    "end_session_endpoint": _OIDC + "/logout",
}


def issuer_for(server_url: str, realm: str) -> str:
    """``{server_url}/realms/{realm}``."""
    return _REALM.format(base=server_url, realm=realm)


def endpoints_for(server_url: str, backchannel_url: str, realm: str) -> dict[str, str]:
    """All endpoints: back-channel ones under ``backchannel_url``, the others under ``server_url``."""
    out = {k: v.format(base=backchannel_url, realm=realm) for k, v in BACK_CHANNEL.items()}
    out.update({k: v.format(base=server_url, realm=realm) for k, v in FRONT_CHANNEL.items()})
    return out
