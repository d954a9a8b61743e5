"""``check()`` probes for Cognito's API methods (the OIDC engine's probes cover the Hosted UI).

* ``jwks``: the pool's key set has a usable RS256 signing key.
* ``app client``: a sign-in attempt for a made-up user through the first enabled API flow.
  "Incorrect username or password" / "User does not exist" (or a simulated challenge) means the
  client id, the secret and the flow are right; an unknown client, a rejected SECRET_HASH or a
  disabled flow is reported as such. The attempt names a user that cannot exist, so it locks
  nobody out.

The probes receive what they use (the connector's ``InitiateAuth`` call, the config, the HTTP
client), not the connector.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ...kit import AuthenticationFailed, HttpClient, Method, Probe, parse_jwks
from .config import CognitoConfig

#: ``(flow, username, AuthParameters) -> InitiateAuth answer``, SECRET_HASH added.
Initiate = Callable[[str, str, Mapping[str, str]], Awaitable[dict[str, Any]]]

__all__ = ["api_probes"]


def api_probes(initiate: Initiate, config: CognitoConfig, http: HttpClient) -> list[tuple[str, Probe]]:
    """The named probes for ``config``'s API methods (run them with :func:`~idpbridge.kit.run_probes`)."""

    async def jwks() -> tuple[bool, str]:
        _, doc = await http.get_json(config.jwks_uri)
        keys = [c for c in parse_jwks(doc) if c.key.key_type == "RSA"]
        if not keys:
            return False, f"no RS256 signing key at {config.jwks_uri}"
        return True, f"{len(keys)} usable signing key(s) at {config.jwks_uri}"

    async def app_client() -> tuple[bool, str]:
        username = f"idpbridge-check-{secrets.token_hex(8)}"
        if Method.PASSWORD in config.enabled_methods:
            flow, params = "USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": secrets.token_urlsafe(18)}
        else:
            flow, params = "USER_AUTH", {"USERNAME": username, "PREFERRED_CHALLENGE": "EMAIL_OTP"}
        try:
            await initiate(flow, username, params)
        except AuthenticationFailed as exc:
            return True, f"{flow} accepted for client {config.client_id} (made-up user refused: {exc.code})"
        return True, f"{flow} accepted for client {config.client_id} (simulated challenge for a made-up user)"

    probes: list[tuple[str, Probe]] = [("jwks", jwks)]
    if config.enabled_methods - {Method.OIDC}:
        probes.append(("app client", app_client))
    return probes
