"""Okta's issuer rule (``reference/providers.md`` §2.2).

Two kinds of authorization server give two different issuers, exact and without a trailing
slash; the configured ``authorization_server_id`` decides which one tokens must carry:

=====================  ===============================================  =================
kind                   issuer                                           id in the config
=====================  ===============================================  =================
org                    ``https://{domain}``                             empty / ``None``
custom                 ``https://{domain}/oauth2/{authorizationServerId}``  ``default``, ``aus…``
=====================  ===============================================  =================

Endpoints come from the discovery document at ``{issuer}/.well-known/openid-configuration``
(Okta's Go SDK rule: ``{issuer}/v1/{op}`` for a custom server, ``{issuer}/oauth2/v1/{op}`` for
the org server). UNCONFIRMED: with a custom URL domain the issuer may be the custom domain or the
``*.okta.com`` domain depending on the authorization server's "Issuer" setting — set ``issuer``
explicitly in that case.
"""

from __future__ import annotations

import re

__all__ = ["AUTHORIZATION_SERVER_ID", "issuer_for"]

#: Authorization server ids: ``default`` or an id such as ``aus1a2b3c4D5e6F7g8h9`` (no slashes).
AUTHORIZATION_SERVER_ID = re.compile(r"[A-Za-z0-9]{1,64}")


def issuer_for(base_url: str, authorization_server_id: str | None) -> str:
    """The issuer of the org server (no id) or of custom server ``authorization_server_id``."""
    if not authorization_server_id:
        return base_url
    return f"{base_url}/oauth2/{authorization_server_id}"
