"""Fixtures for the Auth0 connector tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from idpbridge.providers.auth0.connector import Auth0Connector
from tests.support.minted import TestKey
from tests.support.providers import Connectors, connectors

DOMAIN = "acme.us.auth0.test"
ISSUER = f"https://{DOMAIN}/"
CLIENT_ID = "cassetteClientId0123456789abcdef"
CLIENT_SECRET = "cassette-client-secret-00000000000000000"
SUBJECT = "auth0|5f7c8ec7c33c6c004bbafe82"
REALM = "Username-Password-Authentication"


@pytest.fixture(scope="session")
def test_key() -> TestKey:
    return TestKey("auth0-test-key")


@pytest.fixture
async def make() -> AsyncIterator[Connectors[Auth0Connector]]:
    async with connectors("auth0", Auth0Connector, retries=1) as factory:
        yield factory


@pytest.fixture
def cassette_fields() -> dict[str, Any]:
    """A regular web application using the password-realm grant on the cassette tenant."""
    return {
        "domain": DOMAIN,
        "realm": REALM,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "methods": ["oidc", "password", "token"],
        "claim_mapping": {"roles": "https://acme.example/roles"},
    }
