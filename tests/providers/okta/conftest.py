"""Fixtures for the Okta connector tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from idpbridge.providers.okta.connector import OktaConnector
from tests.peers import oidc_provider as op
from tests.support.minted import ID_TOKEN, JWK, TestKey
from tests.support.providers import Connectors, connectors
from tests.support.wire import recorder  # noqa: F401 - the fixture, for the TOTP tests

DOMAIN = "acme.okta.test"
ISSUER = f"https://{DOMAIN}/oauth2/default"
CLIENT_ID = "0oa1cassette2client3"
CLIENT_SECRET = "cassette-client-secret-00000000000000000"
SUBJECT = "00u1a2b3c4D5e6F7g8h9"


@pytest.fixture(scope="session")
def test_key() -> TestKey:
    return TestKey("okta-test-key")


@pytest.fixture
async def make() -> AsyncIterator[Connectors[OktaConnector]]:
    async with connectors("okta", OktaConnector, retries=1) as factory:
        yield factory


@pytest.fixture
def peer_fields(oidc_provider: op.OIDCProviderPeer) -> dict[str, Any]:
    """The oidc-provider peer as an org server (loopback http: its issuer is the ``domain``) and
    its confidential client."""
    return {"domain": oidc_provider.issuer, "client_id": op.CLIENT_ID, "client_secret": op.CLIENT_SECRET}


@pytest.fixture
def cassette_fields() -> dict[str, Any]:
    """A confidential app on the custom authorization server ``default`` of the cassette org."""
    return {
        "domain": DOMAIN,
        "authorization_server_id": "default",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "methods": ["oidc", "password", "token"],
    }


def id_token_values(key: TestKey, **claims: Any) -> dict[str, str]:
    """Placeholders of a cassette: an Okta ID token for jane (extra ``claims``) and the public key."""
    base: dict[str, Any] = {
        "ver": 1,
        "jti": "ID.cassette",
        "amr": ["pwd"],
        "idp": "00o1cassette",
        "auth_time": 1700000000,
        "email": "jane@acme.example",
        "email_verified": True,
        "preferred_username": "jane@acme.example",
    }
    token = key.mint(iss=ISSUER, aud=CLIENT_ID, sub=SUBJECT, **{**base, **claims})
    return {ID_TOKEN: token, JWK: key.public_jwk}


#: The connector's OIDC plumbing: the TOTP paths run on the engine and a step context instead.
PLUMBING = ("metadata", "discover", "oauth", "endpoint", "token_policy")


def refuse_callbacks(monkeypatch: pytest.MonkeyPatch, conn: OktaConnector) -> None:
    """Make any call from a TOTP path back into ``conn``'s OIDC plumbing fail the test."""

    def called_back(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a TOTP path called back into the connector")

    for name in PLUMBING:
        monkeypatch.setattr(conn, name, called_back)
