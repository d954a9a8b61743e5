"""Fixtures for the Keycloak connector tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from idpbridge.providers.keycloak.connector import KeycloakConnector
from tests.peers import oidc_provider as op
from tests.support.minted import TestKey
from tests.support.providers import Connectors, connectors
from tests.support.wire import recorder  # noqa: F401 - the fixture, for the TOTP tests

SERVER_URL = "https://sso.acme.test"
BACKCHANNEL_URL = "https://keycloak.internal.test:8443"
REALM = "acme"
ISSUER = f"{SERVER_URL}/realms/{REALM}"
CLIENT_ID = "migration-app"
CLIENT_SECRET = "cassette-client-secret-00000000000000000"
SUBJECT = "3f5b6c2e-8a7d-4e8f-9b1a-2c3d4e5f6a7b"


@pytest.fixture(scope="session")
def test_key() -> TestKey:
    return TestKey("keycloak-test-key")


@pytest.fixture
async def make() -> AsyncIterator[Connectors[KeycloakConnector]]:
    async with connectors("keycloak", KeycloakConnector, retries=1) as factory:
        yield factory


@pytest.fixture
def cassette_fields() -> dict[str, Any]:
    """A confidential client of realm ``acme``, reached internally through the back channel."""
    return {
        "server_url": SERVER_URL,
        "backchannel_url": BACKCHANNEL_URL,
        "realm": REALM,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "methods": ["oidc", "password", "token"],
    }


#: Keycloak's claims for the oidc-provider peer's users (bob's tokens say ``typ`` Bearer).
KEYCLOAK_CLAIMS = {
    "typ": "ID",
    "realm_access": {"roles": ["default-roles-acme", "offline_access"]},
    "resource_access": {op.CLIENT_ID: {"roles": ["migrator"]}, "account": {"roles": ["manage-account"]}},
}


@pytest.fixture
def realm(oidc_provider_variant: op.OPVariant) -> op.OIDCProviderPeer:
    """The oidc-provider peer mounted at ``/realms/acme`` with Keycloak's claims."""
    return oidc_provider_variant(
        "keycloak-acme",
        issuer_path="/realms/acme",
        extra_claims={"alice": KEYCLOAK_CLAIMS, "bob": {**KEYCLOAK_CLAIMS, "typ": "Bearer"}},
    )


@pytest.fixture
def peer_fields(realm: op.OIDCProviderPeer) -> dict[str, Any]:
    """The :func:`realm` peer as a Keycloak server (no ``backchannel_url``) and its confidential client."""
    return {
        "server_url": realm.base_url,
        "realm": "acme",
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
    }
