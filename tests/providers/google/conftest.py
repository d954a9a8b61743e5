"""Google connector fixtures: connectors built through the registry, a session signing key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from idpbridge.providers.google.connector import GoogleConnector
from tests.support.minted import TestKey
from tests.support.providers import connectors

CLIENT_ID = "1234567890-cassette.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-cassette-secret-0000000000"
REDIRECT_URI = "https://rp.example.test/callback"
SUBJECT = "110169484474386276334"
#: The access token in cassettes/google/success.yaml (its at_hash goes into minted ID tokens).
ACCESS_TOKEN = "ya29.REDACTED-cassette-access-token"

Make = Callable[..., GoogleConnector]


@pytest.fixture(scope="session")
def google_key() -> TestKey:
    return TestKey(kid="google-cassette-1")


@pytest.fixture
async def make_google() -> AsyncIterator[Make]:
    async with connectors(
        "google", GoogleConnector, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, retries=1
    ) as make:
        yield make
