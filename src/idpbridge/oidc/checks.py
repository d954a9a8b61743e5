"""``check()`` for OIDC connectors: the admin console's "Test connection" button.

Probes, each reported and none raising: discovery is reachable and complete, the key set has a
usable signing key, the client credentials are accepted (a deliberately invalid authorization
code must be refused with ``invalid_grant``, not ``invalid_client``), and the IdP's clock agrees
with ours (its ``Date`` header). Connectors that set ``probe_password_grant`` also get a
``password`` probe when that method is enabled: a password grant *without* username and
password (no login attempt, nothing to lock out) must be refused as an incomplete request, not
as a grant the client may not use.
"""

from __future__ import annotations

import functools
import secrets
from typing import TYPE_CHECKING

from pydantic import SecretStr

from ..classify import AUTHORIZATION_CODE, PASSWORD
from ..connector import CheckResult
from ..errors import AuthenticationFailed, ConfigurationError, IdpBridgeError, ProviderUnavailable
from ..methods import Method, Password
from ..probes import Probe, skipped, timed_probe
from .discovery import discovery_url
from .metadata import ProviderMetadata

if TYPE_CHECKING:
    from .connector import OIDCConnector

__all__ = ["run_checks"]

#: Where the client-credential probe claims to redirect; any syntactically valid URI will do.
PROBE_REDIRECT_URI = "http://127.0.0.1/idpbridge-check"


#: The discovery member each decoupled flow needs (checked when the method is enabled).
_FLOW_ENDPOINTS = {
    Method.DEVICE: "device_authorization_endpoint",
    Method.CIBA: "backchannel_authentication_endpoint",
}


def _missing_flow_endpoints(conn: OIDCConnector, md: ProviderMetadata) -> list[str]:
    """Endpoints the enabled device, CIBA and opaque-token methods need but the IdP lacks."""
    enabled = conn.enabled_methods
    missing = [n for m, n in _FLOW_ENDPOINTS.items() if m in enabled and not md.raw.get(n)]
    if Method.TOKEN in enabled and conn.config.token_kind == "opaque" and not md.introspection_endpoint:
        missing.append("introspection_endpoint")
    return missing


async def run_checks(conn: OIDCConnector) -> list[CheckResult]:
    """Run every probe for ``conn``; later probes are skipped when discovery failed."""
    found: list[ProviderMetadata] = []

    async def discovery() -> tuple[bool, str]:
        md = await conn.metadata()
        found.append(md)
        needed = ["token_endpoint", "jwks_uri"]
        if Method.OIDC in conn.enabled_methods:
            needed.append("authorization_endpoint")
        missing = [n for n in needed if not getattr(md, n)] + _missing_flow_endpoints(conn, md)
        if missing:
            return False, f"issuer {md.issuer}: missing {', '.join(missing)}"
        pkce = md.code_challenge_methods_supported
        if Method.OIDC in conn.enabled_methods and pkce and "S256" not in pkce:
            return False, f"issuer {md.issuer}: PKCE S256 is not supported"
        return True, f"issuer {md.issuer}; token endpoint {md.token_endpoint}"

    results = [await timed_probe("discovery", discovery)]
    if not found:
        return [*results, *skipped(("jwks", "client", *_optional_probes(conn), "clock"), "no metadata")]
    md = found[0]

    async def jwks() -> tuple[bool, str]:
        if not md.jwks_uri:
            return False, "no jwks_uri"
        algorithms = conn.token_policy(md).algorithms
        keys = await conn.jwks.signing_keys(md.jwks_uri, algorithms=algorithms)
        if not keys:
            return False, f"no key usable for {', '.join(sorted(algorithms))}"
        shown = ", ".join(f"{kid or '(no kid)'} {alg}" for kid, alg in keys[:5])
        return True, f"{len(keys)} usable signing key(s): {shown}"

    async def client() -> tuple[bool, str]:
        oauth = conn.oauth(md)
        method = oauth.credentials.method
        if method == "none":
            return True, "public client: no credentials to probe"
        if not md.token_endpoint:
            return False, "no token endpoint"
        params = {
            "code": "idpbridge-check-" + secrets.token_urlsafe(12),
            "redirect_uri": PROBE_REDIRECT_URI,
            "code_verifier": secrets.token_urlsafe(48),
        }
        try:
            await oauth.token(md.token_endpoint, AUTHORIZATION_CODE, params)
        except AuthenticationFailed as exc:
            return (
                True,
                f"{method} accepted (a made-up code was refused with {exc.provider_code or exc.code})",
            )
        except ConfigurationError as exc:
            if exc.code == "config.invalid_client":
                return False, f"{method}: the IdP rejected the client credentials"
            if exc.code == "config.grant_disabled":
                return True, f"{method} accepted; the authorization_code grant is not enabled for this client"
            return True, f"inconclusive: the IdP answered {exc.provider_code or exc.code}"
        except ProviderUnavailable:
            raise
        except IdpBridgeError as exc:
            return True, f"inconclusive: the IdP answered {exc.provider_code or exc.code}"
        return False, "the IdP accepted a made-up authorization code"

    async def clock() -> tuple[bool, str]:
        static = conn.engine.static_metadata() is not None
        url = conn.config.endpoints.get("discovery") or (
            md.jwks_uri if static else discovery_url(conn.policy.discovery_issuer)
        )
        if not url:
            return True, "no endpoint to read the IdP's clock from"
        before = conn.clock()
        response = await conn.http.get(url)
        after = conn.clock()
        date = response.date()
        if date is None:
            return True, "the IdP sent no Date header; skew unknown"
        skew = date - (before + after) / 2
        # Date has one-second resolution: allow for it before blaming the clocks.
        tolerance = conn.config.leeway
        ok = abs(skew) <= tolerance + 1
        return ok, f"IdP clock is {skew:+.1f} s from ours (tolerance {tolerance:g} s)"

    for name, probe in (
        ("jwks", jwks),
        ("client", client),
        *((n, _optional_probe(conn, md, n)) for n in _optional_probes(conn)),
        ("clock", clock),
    ):
        results.append(await timed_probe(name, probe))
    return results


def _optional_probes(conn: OIDCConnector) -> tuple[str, ...]:
    probe = conn.engine.sheet is not None and conn.engine.sheet.probe_password_grant
    return ("password",) if probe and Method.PASSWORD in conn.enabled_methods else ()


def _optional_probe(conn: OIDCConnector, md: ProviderMetadata, name: str) -> Probe:
    return functools.partial({"password": _password_probe}[name], conn, md)


async def _password_probe(conn: OIDCConnector, md: ProviderMetadata) -> tuple[bool, str]:
    """A password grant with no username and no password: nothing is attempted, nothing can
    lock, yet the answer tells whether the client may use the grant."""
    if not md.token_endpoint:
        return False, "no token endpoint"
    request = Password("idpbridge-check", SecretStr("-"))  # only for the provider's extra parameters
    grant = conn.password_grant_type(request)
    try:
        await conn.oauth(md).token(md.token_endpoint, grant, conn.password_params(request), context=PASSWORD)
    except AuthenticationFailed as exc:
        return True, f"{grant} grant enabled (an empty request was refused with {exc.provider_code})"
    except ConfigurationError as exc:
        if exc.code == "config.invalid_request":
            return True, f"{grant} grant enabled (an empty request was refused as incomplete)"
        if exc.code == "config.grant_disabled":
            return False, f"the {grant} grant is not enabled for this client at the IdP"
        return False, f"{exc.code}: {exc.message}"
    except ProviderUnavailable:
        raise
    except IdpBridgeError as exc:
        return True, f"inconclusive: the IdP answered {exc.provider_code or exc.code}"
    return False, "the IdP issued tokens for a password grant without credentials"
