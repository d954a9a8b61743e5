"""A fake OneLogin account (respx) serving the OIDC v2 endpoints, and a connector factory.

The discovery document follows OneLogin's provider-configuration page (reference/providers.md
§7.2). ID tokens are minted at test time (RS256, by tests.oidc.flows.conftest.FakeOP).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import respx
from joserfc.jwk import RSAKey

from idpbridge.providers.onelogin.connector import OneLoginConnector
from tests.oidc.flows.conftest import FakeOP
from tests.support.providers import Connectors, connectors

SUBDOMAIN = "acme"
ISSUER = "https://acme.onelogin.com/oidc/2"
CLIENT_ID = "3f2b1c40-0000-4000-8000-0000000000aa123456"
CLIENT_SECRET = "fake-onelogin-secret-1f2e3d4c5b6a"
REDIRECT_URI = "https://rp.example.test/callback"


def onelogin_discovery(issuer: str = ISSUER) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/me",
        "jwks_uri": f"{issuer}/certs",
        "end_session_endpoint": f"{issuer}/logout",
        "introspection_endpoint": f"{issuer}/token/introspection",
        "revocation_endpoint": f"{issuer}/token/revocation",
        "grant_types_supported": [
            "authorization_code", "implicit", "refresh_token", "password", "client_credentials",
        ],
        "response_types_supported": ["code", "id_token token", "id_token"],
        "response_modes_supported": ["form_post", "fragment", "query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "name", "profile", "groups", "email", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "claims_supported": [
            "acr", "auth_time", "company", "custom_fields", "department", "email", "family_name",
            "given_name", "groups", "iss", "locale_code", "name", "phone_number", "preferred_username",
            "sub", "title", "updated_at",
        ],
    }  # fmt: skip


def onelogin_claims(**extra: Any) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "81234567",
        "preferred_username": "jane",
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
        "email": "jane@acme.test",
        "email_verified": None,
        "groups": ["Engineering"],
        "amr": None,
        **extra,
    }


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)


@pytest.fixture
def onelogin(signing_key: RSAKey) -> Iterator[FakeOP]:
    op = FakeOP(key=signing_key, discovery=onelogin_discovery())
    op.id_claims = onelogin_claims()
    op.userinfo = {"sub": "81234567", "groups": ["Engineering"]}
    with respx.mock(base_url=ISSUER, assert_all_called=False) as router:
        op.router = router
        router.get("/.well-known/openid-configuration").respond(json=op.discovery)
        router.get("/certs").respond(json={"keys": [signing_key.as_dict(private=False)]})
        router.post("/token").mock(side_effect=op._token)
        router.get("/me").mock(side_effect=op._userinfo)
        yield op


@pytest.fixture
async def make() -> AsyncIterator[Connectors[OneLoginConnector]]:
    """Build ``onelogin`` connectors through the registry; closed afterwards."""
    async with connectors(
        "onelogin",
        OneLoginConnector,
        subdomain=SUBDOMAIN,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        retries=1,
    ) as build:
        yield build
