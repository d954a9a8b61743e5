"""Every built-in connector certified by the testkit, against scripted IdPs on loopback.

One ``idpbridge_subject`` per connector (the fixture's params): the testkit plugin runs its whole
conformance suite over each, exactly as it does for a third-party plugin. Certified here: oidc,
keycloak, auth0, entra, okta, google. Not yet: onelogin and pingone (their password probe and
OneLogin's flow need provider routes the scripted OpenID provider does not serve), meta (Graph API,
not ID tokens), apple (client secret minted from a .p8 key), cognito (boto3 API), legacy, saml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from idpbridge.kit import Password, StartOIDC
from idpbridge.testkit import Flow, OIDCIdP, ScriptedIdP, Subject

CLIENT_ID = "testkit-client"
CLIENT_SECRET = "testkit-client-secret-0123456789"
PASSWORD = "jane-password-0123"
REDIRECT_URI = "https://rp.example.test/callback"


def _oidc(
    idp: ScriptedIdP, prefix: str, claims_extra: dict[str, Any] | None = None, issuer: str | None = None
) -> OIDCIdP:
    claims = {"email": "jane@example.test", "email_verified": True, "preferred_username": "jane"}
    return OIDCIdP(
        idp,
        client_id=CLIENT_ID,
        prefix=prefix,
        users={"jane": PASSWORD},
        claims={**claims, **(claims_extra or {})},
        issuer=issuer,
    )


def _generic(idp: ScriptedIdP) -> tuple[OIDCIdP, dict[str, Any]]:
    oidc = _oidc(idp, "/oidc")
    return oidc, {"issuer": oidc.issuer, "methods": ["password", "oidc"]}


def _keycloak(idp: ScriptedIdP) -> tuple[OIDCIdP, dict[str, Any]]:
    oidc = _oidc(idp, "/realms/acme")
    return oidc, {"server_url": idp.base_url, "realm": "acme", "methods": ["password", "oidc"]}


def _fixed(prefix: str) -> Callable[[ScriptedIdP], tuple[OIDCIdP, dict[str, Any]]]:
    """A provider with a fixed issuer: its test issuer, endpoints pointed at the scripted IdP."""

    def build(idp: ScriptedIdP) -> tuple[OIDCIdP, dict[str, Any]]:
        oidc = _oidc(idp, prefix)
        return oidc, {"issuer": oidc.issuer, "endpoints": oidc.endpoints()}

    return build


def _auth0(idp: ScriptedIdP) -> tuple[OIDCIdP, dict[str, Any]]:
    oidc = _oidc(idp, "/auth0")
    return oidc, {
        "domain": "tenant.auth0.test",
        "issuer": oidc.issuer,
        "endpoints": oidc.endpoints(),
        "methods": ["password", "oidc"],
    }


def _entra(idp: ScriptedIdP) -> tuple[OIDCIdP, dict[str, Any]]:
    tenant = "8e1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    oidc = _oidc(idp, f"/{tenant}/v2.0", claims_extra={"tid": tenant, "oid": "oid-1"})
    return oidc, {"tenant": tenant, "instance": idp.base_url, "methods": ["password", "oidc"]}


def _okta(idp: ScriptedIdP) -> tuple[OIDCIdP, dict[str, Any]]:
    oidc = _oidc(idp, "/oauth2/default", issuer="https://acme.okta.test/oauth2/default")
    return oidc, {
        "domain": "acme.okta.test",
        "authorization_server_id": "default",
        "endpoints": oidc.endpoints(),
        "methods": ["password", "oidc"],
    }


#: provider -> (scripted OpenID provider, connector fields) for one running IdP.
PROVIDERS: dict[str, Callable[[ScriptedIdP], tuple[OIDCIdP, dict[str, Any]]]] = {
    "oidc": _generic,
    "keycloak": _keycloak,
    "auth0": _auth0,
    "entra": _entra,
    "okta": _okta,
    "google": _fixed("/google"),
}


@pytest.fixture(params=sorted(PROVIDERS))
def idpbridge_subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    provider = request.param
    with ScriptedIdP() as idp:
        oidc, fields = PROVIDERS[provider](idp)
        config = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **fields}
        methods = config.get("methods", ["oidc"])
        yield Subject(
            provider=provider,
            config=config,
            secrets=[CLIENT_SECRET, PASSWORD],
            login=Password("jane", PASSWORD) if "password" in methods else None,
            refused=Password("jane", "not-the-password") if "password" in methods else None,
            flow=Flow(StartOIDC(REDIRECT_URI), oidc.callback),
            idp=idp,
            oidc=oidc,
        )
