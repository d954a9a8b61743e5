"""Google connector fixtures: connectors built through the registry, a session signing key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import idpbridge
from idpbridge import ContinuationKeys
from idpbridge.providers.google.connector import GoogleConnector
from tests.support.minted import TestKey

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
    made: list[GoogleConnector] = []
    keys = ContinuationKeys.generate()

    def make(**fields: Any) -> GoogleConnector:
        base: dict[str, Any] = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "retries": 1}
        conn = idpbridge.connect("google", continuation_keys=keys, **{**base, **fields})
        assert isinstance(conn, GoogleConnector)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        await conn.aclose()
