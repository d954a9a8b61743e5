"""A fake Entra (respx) serving v2.0 discovery, keys and token endpoints per tenant path.

Discovery documents follow the Entra metadata snapshots (panva/wellknown; reference/providers.md
§5.2): a tenant-id or domain document names the concrete issuer, ``organizations``/``common`` the
``{tenantid}`` template. ID tokens are minted at test time (RS256, by tests.oidc.flows.conftest.FakeOP)
with Entra's claims: ``tid``, ``oid``, a pairwise ``sub``, ``preferred_username``, ``ver``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx
from joserfc.jwk import RSAKey

from idpbridge.providers.entra.connector import EntraConnector
from tests.oidc.flows.conftest import FakeOP
from tests.support.providers import Connectors, connectors

BASE = "https://login.microsoftonline.com"
TENANT = "11111111-2222-4333-8444-555555555555"
OTHER_TENANT = "99999999-8888-4777-8666-555555555555"
DOMAIN = "contoso.onmicrosoft.com"
CLIENT_ID = "00000000-aaaa-4bbb-8ccc-000000000001"
CLIENT_SECRET = "Qx8~Q.fake-entra-secret_000"
OID = "00000000-0000-4000-8000-0000000a11ce"
PAIRWISE_SUB = "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ"
REDIRECT_URI = "https://rp.example.test/callback"
TENANT_PATHS = (TENANT, OTHER_TENANT, "organizations", "common", "consumers", DOMAIN)
MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


def issuer_of(tenant: str) -> str:
    return f"{BASE}/{tenant}/v2.0"


def entra_discovery(path: str) -> dict[str, Any]:
    """The v2.0 discovery document Entra serves for a tenant path."""
    endpoints_tenant = {DOMAIN: TENANT, "consumers": MSA_TENANT}.get(path, path)
    issuer = {
        "organizations": issuer_of("{tenantid}"),
        "common": issuer_of("{tenantid}"),
    }.get(path, issuer_of(endpoints_tenant))
    root = f"{BASE}/{endpoints_tenant}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post", "private_key_jwt", "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
            "name", "tid", "ver", "at_hash", "c_hash", "email",
        ],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    }  # fmt: skip


def entra_claims(tenant: str = TENANT, **extra: Any) -> dict[str, Any]:
    """ID-token claims as Entra's v2.0 endpoint issues them (the minter adds iat/exp/nonce)."""
    return {
        "iss": issuer_of(tenant),
        "aud": CLIENT_ID,
        "sub": PAIRWISE_SUB,
        "tid": tenant,
        "oid": OID,
        "ver": "2.0",
        "preferred_username": "jane@contoso.test",
        "name": "Jane Doe",
        "email": "jane@contoso.test",
        "email_verified": None,  # Entra sends none
        "amr": None,
        "auth_time": None,
        "uti": "AbCdEf",
        "rh": "0.AXYA",
        **extra,
    }


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)


@pytest.fixture
def entra(signing_key: RSAKey) -> Iterator[FakeOP]:
    op = FakeOP(key=signing_key, discovery=entra_discovery(TENANT))
    op.id_claims = entra_claims()
    op.userinfo = {"sub": PAIRWISE_SUB, "name": "Jane Doe"}
    jwks = {"keys": [{**signing_key.as_dict(private=False), "issuer": issuer_of("{tenantid}")}]}
    with respx.mock(assert_all_called=False) as router:
        op.router = router
        for path in TENANT_PATHS:
            doc = entra_discovery(path)
            router.get(f"{BASE}/{path}/v2.0/.well-known/openid-configuration").respond(json=doc)
            router.get(f"{BASE}/{path}/discovery/v2.0/keys").respond(json=jwks)
            router.post(f"{BASE}/{path}/oauth2/v2.0/token").mock(side_effect=op._token)
        router.get(f"{BASE}/{MSA_TENANT}/discovery/v2.0/keys").respond(json=jwks)
        router.post(f"{BASE}/{MSA_TENANT}/oauth2/v2.0/token").mock(side_effect=op._token)
        router.get("https://graph.microsoft.com/oidc/userinfo").mock(side_effect=op._userinfo)
        yield op


def token_calls(op: FakeOP) -> list[httpx.Request]:
    assert op.router is not None
    return [c.request for c in op.router.calls if c.request.url.path.endswith("/oauth2/v2.0/token")]


@pytest.fixture
async def make() -> AsyncIterator[Connectors[EntraConnector]]:
    """Build ``entra`` connectors through the registry, as users do; closed afterwards."""
    async with connectors(
        "entra",
        EntraConnector,
        tenant=TENANT,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        methods=["oidc", "password", "token"],
        retries=1,
    ) as build:
        yield build
