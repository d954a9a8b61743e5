"""``check()`` for Cognito: the admin console's "Test connection" button.

* ``jwks``: the pool's key set has a usable RS256 signing key.
* ``app client``: a sign-in attempt for a made-up user through each enabled API flow. "Incorrect
  username or password" / "User does not exist" (or a simulated challenge) means the client id,
  the secret and the flow are right; an unknown client, a rejected SECRET_HASH or a disabled flow
  is reported as such. The attempt names a user that cannot exist, so it locks nobody out.
* for ``oidc``: the OIDC engine's probes (discovery, Hosted UI token endpoint credentials, clock).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from ...connector import CheckResult
from ...errors import AuthenticationFailed, IdpBridgeError, sanitize
from ...methods import Method
from ...oidc.checks import run_checks
from ...oidc.jwks import parse_jwks

if TYPE_CHECKING:
    from .connector import CognitoConnector

__all__ = ["run_cognito_checks"]


async def _probe_client(conn: CognitoConnector) -> tuple[bool, str]:
    username = f"idpbridge-check-{secrets.token_hex(8)}"
    enabled = conn.enabled_methods
    if Method.PASSWORD in enabled:
        flow, params = "USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": secrets.token_urlsafe(18)}
    else:
        flow, params = "USER_AUTH", {"USERNAME": username, "PREFERRED_CHALLENGE": "EMAIL_OTP"}
    try:
        await conn.api.initiate_auth(
            ClientId=conn.config.client_id,
            AuthFlow=flow,
            AuthParameters={**params, **conn.secret_hash_params(username)},
        )
    except AuthenticationFailed as exc:
        return True, f"{flow} accepted for client {conn.config.client_id} (made-up user refused: {exc.code})"
    return (
        True,
        f"{flow} accepted for client {conn.config.client_id} (simulated challenge for a made-up user)",
    )


async def _probe_jwks(conn: CognitoConnector) -> tuple[bool, str]:
    uri = conn.config.jwks_uri
    _, doc = await conn.http.get_json(uri)
    keys = [c for c in parse_jwks(doc) if c.key.key_type == "RSA"]
    if not keys:
        return False, f"no RS256 signing key at {conn.config.jwks_uri}"
    return True, f"{len(keys)} usable signing key(s) at {conn.config.jwks_uri}"


async def run_cognito_checks(conn: CognitoConnector) -> list[Any]:
    """Run the probes; each failure is a finding, never an exception."""
    results: list[Any] = [CheckResult("configuration", True, "configuration is valid")]
    probes = [("jwks", _probe_jwks)]
    if conn.enabled_methods - {Method.OIDC}:
        probes.append(("app client", _probe_client))
    for name, probe in probes:
        started = time.perf_counter()
        try:
            ok, detail = await probe(conn)
        except IdpBridgeError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc.message}"
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {sanitize(exc, limit=150)}"
        elapsed = round((time.perf_counter() - started) * 1e3, 1)
        results.append(CheckResult(name, ok, sanitize(detail), elapsed))
    if Method.OIDC in conn.enabled_methods:
        results.extend(r for r in await run_checks(conn) if r.name != "jwks")
    return results
